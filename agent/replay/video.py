"""MP4 export of a recording: every step's frame before, with its action drawn, then the last frame.

Written with OpenCV's VideoWriter (mp4v fourcc, no external encoder needed); the file is checked
by reading it back, so a writer that silently produced nothing is an error, not an empty video.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2

from agent.replay.overlay import draw_action
from agent.replay.reader import Replay, ReplayError
from agent.types import Wait, describe_action


def write_mp4(
    replay: Replay,
    out: Path,
    *,
    fps: float = 4.0,
    width: int = 960,
    on_step: Callable[[int], None] | None = None,
) -> int:
    """Write the video; returns the number of frames written (checked by reading the file back)."""
    out = Path(out)
    if out.resolve().is_relative_to(replay.path.resolve()):
        raise ReplayError(f"{out}: videos are not written inside the recording folder")
    if not replay.steps:
        raise ReplayError(f"{replay.path}: no usable steps to export")
    out.parent.mkdir(parents=True, exist_ok=True)
    writer: cv2.VideoWriter | None = None
    size: tuple[int, int] | None = None
    written = 0

    def put(image) -> None:
        nonlocal writer, size, written
        if size is None:
            # mp4v wants even dimensions.
            size = (image.shape[1] // 2 * 2, image.shape[0] // 2 * 2)
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
            if not writer.isOpened():
                raise ReplayError(f"{out}: OpenCV could not open an mp4v video writer")
        if (image.shape[1], image.shape[0]) != size:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))  # type: ignore[union-attr]
        written += 1

    try:
        for step in replay.steps:
            frame = replay.frame(step.before_sha)
            label = f"{step.index}: {describe_action(step.action)}"
            put(draw_action(frame.image, step.action, scale=frame.scale, width=width, label=label))
            if on_step:
                on_step(step.index)
        last = replay.frame(replay.steps[-1].after_sha)
        put(draw_action(last.image, Wait(0.0), scale=last.scale, width=width, label="end"))
    finally:
        if writer is not None:
            writer.release()
    readable = count_frames(out)
    if readable != written:
        raise ReplayError(f"{out}: wrote {written} frames but the file holds {readable}")
    return written


def count_frames(path: Path) -> int:
    """How many frames a video file really holds (decoded one by one)."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    try:
        while capture.read()[0]:
            count += 1
    finally:
        capture.release()
    return count
