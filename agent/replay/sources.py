"""Turn command-line arguments (recording folders, folders of recordings, globs) into recordings."""

from __future__ import annotations

import glob
from pathlib import Path

from agent.errors import ConfigError
from agent.recording import list_recordings


def _is_recording(path: Path) -> bool:
    return (path / "manifest.json").is_file()


def expand(arguments: list[str]) -> list[Path]:
    """Recording folders named by `arguments`, in order, each once.

    An argument is a recording folder, a folder holding recordings (oldest first), or a glob
    pattern matching either. ConfigError when an argument matches nothing.
    """
    found: list[Path] = []
    for argument in arguments:
        matches = [Path(p) for p in sorted(glob.glob(argument, recursive=True))]
        if not matches and Path(argument).exists():
            matches = [Path(argument)]
        hits: list[Path] = []
        for path in matches:
            if _is_recording(path):
                hits.append(path)
            elif path.is_dir():
                hits.extend(list_recordings(path))
        if not hits:
            if not matches:
                raise ConfigError(f"{argument}: no such recording, folder or matching path")
            raise ConfigError(f"{argument}: no recordings there (a recording has manifest.json)")
        found.extend(hits)
    return list(dict.fromkeys(found))
