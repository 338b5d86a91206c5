"""The architecture's walls hold: who may import whom, and display libraries only in agent/body."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DISPLAY_LIBS = {"pyautogui", "mss", "Xlib", "pymsgbox", "pyscreeze"}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import in a file."""
    tree = ast.parse(path.read_text(), str(path))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _files("skills"), ids=lambda p: str(p.relative_to(ROOT)))
def test_skills_imports_neither_agent_nor_games(path: Path) -> None:
    bad = [m for m, _ in _imports(path) if m.split(".")[0] in {"agent", "games"}]
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", _files("agent"), ids=lambda p: str(p.relative_to(ROOT)))
def test_agent_never_reads_game_internals(path: Path) -> None:
    # The CLI may use the public registry and profiles (games, games.registry, games.desktop);
    # nothing in agent/ may touch a game's internals or its ground-truth probe.
    allowed = {"games", "games.registry", "games.desktop"}
    bad = [m for m, _ in _imports(path) if m.split(".")[0] == "games" and m not in allowed]
    assert not bad, f"{path} imports game internals {bad}"


@pytest.mark.parametrize(
    "path",
    _files("agent") + _files("skills") + _files("games"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_display_libraries_only_lazily_inside_body(path: Path) -> None:
    in_body = path.is_relative_to(ROOT / "agent" / "body")
    for module, at_top in _imports(path):
        if module.split(".")[0] in DISPLAY_LIBS:
            assert in_body, f"{path} imports {module}; display libraries belong in agent/body"
            assert not at_top, f"{path} imports {module} at module level; import it lazily"


def test_importing_the_packages_needs_no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    code = (
        "import agent.cli, agent.body.live, agent.loop, skills, games, sys; "
        "bad = [m for m in ('pyautogui', 'mss', 'Xlib') if m in sys.modules]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
