"""Capture Debian desktop games under Xvfb and score perception candidates on them.

    python scripts/capture_desktop_games.py [--out DIR] [--no-install]

Installs gnome-mines and aisleriot with apt-get when missing, starts a private Xvfb (+ openbox),
launches each game, waits for its window, grabs it with ImageMagick's `import -window`, and
compares agent.perception.candidates with hand-labelled ground truth. Prints recall/precision
per scene; with --out also writes each frame and a set-of-marks overlay as PNG.

Ground truth (documented method, for these Debian bookworm versions at their default window
sizes; it lives here, not in agent/):
  * gnome-mines 40.1 difficulty chooser (610 x 482 client-side-decorated window): four size
    buttons and the header-bar buttons, rectangles measured once on a capture (pixels below).
  * gnome-mines 8 x 8 board: the board spans x 25..411, y 72..456 of the window; the 8 x 8 cells
    divide it evenly (pitch 48.25 px, 4 px gutters), plus the three side buttons and header bar.
  * gnome-mines "Best Times" dialog (opened through the header-bar menu, modal, drawn over the
    board): its only clickable thing is the close button around the small "x" glyph in its own
    header bar, 28 x 28 at (409, 12) from the dialog's top-left corner. The dialog is a separate
    window, so the scene is the screen region of the game window, as the agent sees it.
  * aisleriot 3.22 Klondike (800 x 600 client area): five menu items, seven toolbar buttons,
    the stock and five empty slots (waste + four foundations) measured on a capture, and the
    seven face-up tableau cards, whose places follow from the deal (column i: x = 9 + 114.3 i,
    y = 232 + 30 i, 96 x 150; the face-down cards under them are not clickable in play).
If a window comes up at another size the rectangles are scaled with it and a warning is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.perception.marks import draw_marks  # noqa: E402
from agent.perception.objects import candidates  # noqa: E402
from agent.types import Rect  # noqa: E402
from bench.perception_eval import EMPTY, coverage, missed  # noqa: E402

PACKAGES = {"gnome-mines": "/usr/games/gnome-mines", "aisleriot": "/usr/games/sol"}


@dataclass(frozen=True)
class Scene:
    name: str
    size: tuple[int, int]  # window size the rectangles were measured at
    truth: tuple[tuple[str, Rect], ...]


def _mines_header() -> list[tuple[str, Rect]]:
    return [
        ("button:menu", Rect(438, 11, 34, 31)),
        ("button:minimize", Rect(488, 14, 28, 28)),
        ("button:maximize", Rect(528, 14, 28, 28)),
        ("button:close", Rect(568, 14, 28, 28)),
    ]


def mines_chooser() -> Scene:
    truth = [
        ("button:8x8", Rect(110, 69, 186, 185)),
        ("button:16x16", Rect(314, 69, 186, 185)),
        ("button:30x16", Rect(110, 273, 186, 185)),
        ("button:custom", Rect(314, 273, 186, 185)),
    ]
    return Scene("mines-chooser", (610, 482), tuple(truth + _mines_header()))


def mines_board() -> Scene:
    truth = []
    x0, y0, pitch, gutter = 25, 72, 48.25, 4
    for row in range(8):
        for col in range(8):
            x, y = round(x0 + col * pitch), round(y0 + row * pitch)
            truth.append(
                (f"cell:{row},{col}", Rect(x, y, round(pitch - gutter), round(pitch - gutter)))
            )
    truth += [
        ("button:start_over", Rect(437, 270, 150, 60)),
        ("button:change_difficulty", Rect(437, 334, 150, 60)),
        ("button:pause", Rect(437, 398, 150, 60)),
    ]
    return Scene("mines-board", (610, 482), tuple(truth + _mines_header()))


def mines_scores(dialog: Rect, window: Rect) -> Scene:
    close = Rect(dialog.x - window.x + 409, dialog.y - window.y + 12, 28, 28)
    return Scene("mines-scores", (window.w, window.h), (("button:close_dialog", close),))


def klondike() -> Scene:
    menus = [(8, 46), (63, 93), (111, 156), (175, 229), (247, 275)]
    truth = [(f"menu:{i}", Rect(a - 6, 0, b - a + 12, 24)) for i, (a, b) in enumerate(menus)]
    tools = [(17, 35), (58, 76), (102, 120), (157, 178), (200, 221), (243, 264), (286, 306)]
    truth += [(f"tool:{i}", Rect(a - 8, 28, b - a + 16, 36)) for i, (a, b) in enumerate(tools)]
    truth.append(("stock", Rect(8, 72, 97, 150)))
    for i, x in enumerate((124, 352, 467, 581, 695)):
        truth.append((f"slot:{i}", Rect(x, 72, 93, 150)))
    for i in range(7):
        truth.append((f"card:{i}", Rect(round(9 + 114.3 * i), 232 + 30 * i, 96, 150)))
    return Scene("klondike", (800, 600), tuple(truth))


def ensure_installed(install: bool) -> None:
    missing = [pkg for pkg, path in PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    if not install:
        sys.exit(
            f"missing {', '.join(missing)} (run without --no-install, or apt-get install them)"
        )
    print(f"installing {' '.join(missing)} ...")
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True)


class Display:
    """A private Xvfb with openbox; closes everything it started."""

    def __init__(self) -> None:
        for tool in ("Xvfb", "openbox", "xdotool", "import"):
            if shutil.which(tool) is None:
                sys.exit(f"{tool} not found (apt-get install xvfb openbox xdotool imagemagick)")
        number = next(
            n
            for n in range(60, 200)
            if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists()
        )
        self.xvfb = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline or self.xvfb.poll() is not None:
                sys.exit(f"Xvfb :{number} did not start")
            time.sleep(0.1)
        self.env = {**os.environ, "DISPLAY": f":{number}", "NO_AT_BRIDGE": "1"}
        self.home = tempfile.mkdtemp(prefix="bottomup-games-")
        self.env["HOME"] = self.home  # fresh settings: games start at their defaults
        self.env["XDG_CONFIG_HOME"] = self.home
        self.env["XDG_RUNTIME_DIR"] = self.home
        self.procs = [
            subprocess.Popen(["openbox"], env=self.env, stderr=subprocess.DEVNULL),
        ]

    def launch(self, argv: list[str]) -> subprocess.Popen:
        # Its own session: the private D-Bus daemon and the services it activates (portals)
        # share the game's process group, so close() can end all of them together.
        proc = subprocess.Popen(
            ["dbus-run-session", "--", *argv] if shutil.which("dbus-run-session") else argv,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def xdotool(self, *args: str) -> str:
        out = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True)
        return out.stdout.strip()

    def wait_window(self, title: str, timeout: float = 30.0) -> tuple[str, Rect]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for wid in self.xdotool("search", "--onlyvisible", "--name", title).split():
                geo = self.xdotool("getwindowgeometry", "--shell", wid)
                vals = dict(line.split("=", 1) for line in geo.splitlines() if "=" in line)
                w, h = int(vals.get("WIDTH", 0)), int(vals.get("HEIGHT", 0))
                if w > 100 and h > 100:
                    return wid, Rect(int(vals["X"]), int(vals["Y"]), w, h)
            time.sleep(0.3)
        raise TimeoutError(f"no window titled {title!r} within {timeout:.0f} s")

    def grab(self, wid: str) -> np.ndarray:
        png = subprocess.run(
            ["import", "-window", wid, "png:-"], env=self.env, capture_output=True, check=True
        ).stdout
        bgr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def grab_region(self, region: Rect) -> np.ndarray:
        """The screen inside `region` (root coordinates), whatever windows are on top."""
        screen = self.grab("root")
        return screen[region.y : region.y + region.h, region.x : region.x + region.w].copy()

    def close(self) -> None:
        for proc in reversed(self.procs):
            _signal_group(proc, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        time.sleep(0.5)
        for proc in self.procs:  # stragglers in the group (activated D-Bus services)
            _signal_group(proc, signal.SIGKILL)
        self.xvfb.terminate()
        self.xvfb.wait(timeout=5)
        shutil.rmtree(self.home, ignore_errors=True)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Signal the process group a launched game leads (only games get their own group)."""
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, sig)
        elif sig == signal.SIGTERM:
            proc.terminate()
    except ProcessLookupError:
        pass


def settle_grab(display: Display, wid: str, quiet: float = 0.6, timeout: float = 8.0) -> np.ndarray:
    """Grab until two grabs `quiet` seconds apart are identical (animations finished)."""
    last = display.grab(wid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = display.grab(wid)
        if now.shape == last.shape and np.array_equal(now, last):
            return now
        last = now
    return last


def capture(display: Display) -> list[tuple[Scene, np.ndarray]]:
    """The four scenes, each as (scene, RGB window image)."""
    shots = []
    display.launch([PACKAGES["gnome-mines"]])
    wid, _ = display.wait_window("^Mines$")
    image = settle_grab(display, wid)
    shots.append((mines_chooser(), image))
    h, w = image.shape[:2]
    display.xdotool("mousemove", "--window", wid, str(w * 203 // 610), str(h * 161 // 482))
    display.xdotool("click", "1")
    time.sleep(1.0)
    display.xdotool("mousemove", "--window", wid, "1", str(h - 2))  # no hover highlight
    shots.append((mines_board(), settle_grab(display, wid)))
    # The script (not the agent) opens the Best Times dialog: menu button, then "Scores".
    _, window = display.wait_window("^Mines$")
    display.xdotool("mousemove", "--window", wid, str(w * 455 // 610), str(h * 26 // 482))
    display.xdotool("click", "1")
    time.sleep(1.0)
    display.xdotool("mousemove", "--window", wid, str(w * 399 // 610), str(h * 87 // 482))
    display.xdotool("click", "1")
    _, dialog = display.wait_window("^Best Times$")
    display.xdotool("mousemove", "0", "0")
    time.sleep(1.0)
    shots.append((mines_scores(dialog, window), display.grab_region(window)))
    display.launch([PACKAGES["aisleriot"], "klondike"])
    wid, _ = display.wait_window("Klondike")
    shots.append((klondike(), settle_grab(display, wid)))
    return shots


def scaled_truth(scene: Scene, image: np.ndarray) -> list[tuple[str, Rect]]:
    h, w = image.shape[:2]
    if (w, h) == scene.size:
        return list(scene.truth)
    print(f"warning: {scene.name} window is {w}x{h}, labels are for {scene.size}; scaling them")
    fx, fy = w / scene.size[0], h / scene.size[1]
    return [
        (n, Rect(round(r.x * fx), round(r.y * fy), round(r.w * fx), round(r.h * fy)))
        for n, r in scene.truth
    ]


def evaluate(shots: list[tuple[Scene, np.ndarray]]):
    """Per scene: (scene, image, candidates, Coverage, names of missed elements)."""
    out = []
    for scene, image in shots:
        truth = scaled_truth(scene, image)
        cands = candidates(image)
        boxes = [c.box for c in cands]
        rects = [r for _, r in truth]
        lost = [truth[i][0] for i in missed(boxes, rects)]
        out.append((scene, image, cands, coverage(boxes, rects), lost))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write frames and set-of-marks overlays here")
    parser.add_argument("--no-install", action="store_true", help="never run apt-get")
    args = parser.parse_args()
    ensure_installed(not args.no_install)
    display = Display()
    try:
        shots = capture(display)
    finally:
        display.close()
    total = EMPTY
    print(f"{'scene':<16}{'elements':>9}{'recall':>8}{'strict':>8}{'cands':>7}{'precision':>10}")
    for scene, image, cands, cov, lost in evaluate(shots):
        total = total + cov
        print(
            f"{scene.name:<16}{cov.elements:>9}{cov.recall:>8.3f}{cov.strict_recall:>8.3f}"
            f"{cov.candidates:>7}{cov.precision:>10.3f}"
        )
        if lost:
            print(f"  missed: {', '.join(lost)}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(args.out / f"{scene.name}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            marked = draw_marks(image, cands)
            cv2.imwrite(str(args.out / f"{scene.name}-marks.png"), marked[..., ::-1])
    print(
        f"{'all':<16}{total.elements:>9}{total.recall:>8.3f}{total.strict_recall:>8.3f}"
        f"{total.candidates:>7}{total.precision:>10.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
