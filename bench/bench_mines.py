"""The learning agent against Debian's gnome-mines in a live window: moves per game, games ended.

Run: python bench/bench_mines.py [--steps 1000] [--recording DIR]

Without --recording it plays `bottomup play gnome-mines --steps N` on a private Xvfb (offline
brain, the profile's progress signal) and then reads the recording it made. gnome-mines publishes
no ground truth, so the benchmark reads the recorded frames as a person would: a game is over while
the "Play Again" button is on screen (OCR of the column beside the board), it has started when cells
have been revealed since. A game counts as lost when its end frame shows an exploded (red) mine,
as won otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.perception.text import TextReader  # noqa: E402
from agent.recording import Recording, list_recordings  # noqa: E402
from agent.types import Rect  # noqa: E402

SIDE = 0.6
"""Where the side column starts (fraction of the width): right of the board in the default
610x482 window and when maximised, as the profile's progress region."""


def play(steps: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "agent.cli", "play", "gnome-mines", "--steps", str(steps)]
    command += ["--display", "virtual", "--library", str(folder / "mines.sqlite")]
    subprocess.run(command, cwd=folder, check=True)
    return list_recordings(folder / "recordings")[-1]


def analyse(path: Path) -> dict[str, float]:
    recording = Recording(path)
    reader = TextReader()
    over_flags: list[bool] = []
    exploded: list[bool] = []
    steps = recording.steps()
    for step in steps:
        image = recording.frame_image(step["after"])
        if image is None:
            over_flags.append(over_flags[-1] if over_flags else False)
            exploded.append(False)
            continue
        # OCR of the side column (the counters and, once a game is over, its buttons), not the
        # board: a tenth of the text to read, and the column repeats (cached by content).
        h, w = image.shape[:2]
        side = Rect(int(w * SIDE), 0, w - int(w * SIDE), h)
        over_flags.append("playagain" in reader.read(image, side).lower().replace(" ", ""))
        red = (image[..., 0] > 190) & (image[..., 1] < 60) & (image[..., 2] < 60)
        exploded.append(int(red.sum()) > 200)
    ends = [
        i
        for i, (a, b) in enumerate(zip([False, *over_flags], over_flags, strict=False))
        if b and not a
    ]
    acted = sum(1 for s in steps if s.get("acted"))
    return {
        "steps": len(steps),
        "acted": acted,
        "games_ended": len(ends),
        "games_won": sum(1 for i in ends if not exploded[i]),
        "moves_per_game": round(len(steps) / max(1, len(ends)), 1),
        "progress_readings": sum(1 for s in steps if s.get("progress") is not None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--recording", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "mines")
    args = parser.parse_args()
    path = args.recording or play(args.steps, args.out)
    for key, value in analyse(path).items():
        print(f"{key:<18} {value}")


if __name__ == "__main__":
    main()
