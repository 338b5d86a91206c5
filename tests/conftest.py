"""Shared pytest fixtures.

`xvfb`: a private Xvfb display (1920x1080x24, openbox when installed) for one test; yields the
display name (e.g. ":3") and stops the server afterwards. Pass it explicitly to the body parts and
to child processes (`{"DISPLAY": xvfb}` in their env). Tests that use it should be marked
`@pytest.mark.live`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from agent.body.display import DisplaySettings, VirtualDisplay

# Caches the CLIs keep under $XDG_CACHE_HOME (replay's perception cache) go to a throw-away folder,
# removed when the test process ends.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bottomup-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private X display for this test: yields its name, stops it afterwards."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    with VirtualDisplay(DisplaySettings(width=1920, height=1080, depth=24)) as display:
        yield display.name
