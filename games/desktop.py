"""Desktop-game profiles: how to launch a third-party (or built-in) game as a window, how to find
that window by title, and which on-screen progress signal it has. Profiles are TOML files in
games/profiles/ (or any path) and are validated by pydantic at load time:

    schema_version = 1
    name = "spire"
    launch = ["{python}", "-m", "games.spire", "--seed", "{seed}", "--size", "{width}x{height}"]
    probe_args = ["--probe", "{probe}"]          # appended only when a probe path is given
    title = "^bottomup spire"                    # window-title regex (re.search)
    [progress]
    kind = "ocr"                                 # or "title": a number captured from the title
    region = [0.0, 0.0, 0.12, 0.062]             # x, y, w, h as fractions of the window size
    regex = "Floor\\s*(\\d+)"

    profile = load_profile("spire")
    argv = profile.launch_command(python=sys.executable, seed=3, width=1280, height=720)
"""

from __future__ import annotations

import re
import shlex
import string
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.errors import ConfigError
from agent.types import Rect

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDERS = frozenset({"python", "seed", "width", "height", "probe", "root"})
SCHEMA_VERSION = 1


def _check_regex(regex: str, needs_group: bool) -> str:
    try:
        pattern = re.compile(regex)
    except re.error as exc:
        raise ValueError(f"invalid regex {regex!r}: {exc}") from None
    if needs_group and pattern.groups < 1:
        raise ValueError(f"regex {regex!r} must capture the number in a group, e.g. (\\d+)")
    return regex


class _Progress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    regex: str

    @field_validator("regex")
    @classmethod
    def _regex(cls, v: str) -> str:
        return _check_regex(v, needs_group=True)

    def parse(self, text: str) -> float | None:
        """The number the regex captures in `text` (None when it does not match)."""
        m = re.search(self.regex, text)
        if not m:
            return None
        try:
            return float(m.group(1).replace(",", ""))
        except ValueError:
            return None


class TitleProgress(_Progress):
    """Progress read from the window title: the first group of `regex`."""

    kind: Literal["title"] = "title"


class OcrProgress(_Progress):
    """Progress read by OCR from `region` (x, y, w, h fractions of the window), parsed by `regex`."""

    kind: Literal["ocr"] = "ocr"
    region: tuple[float, float, float, float]

    @field_validator("region")
    @classmethod
    def _region(cls, v: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x, y, w, h = v
        if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h <= 1):
            raise ValueError(f"region must be fractions of the window (0..1), got {list(v)}")
        if x + w > 1.0001 or y + h > 1.0001:
            raise ValueError(f"region must lie inside the window, got {list(v)}")
        return v

    def rect(self, width: int, height: int) -> Rect:
        """The region in pixels of a window of `width` x `height`."""
        x, y, w, h = self.region
        return Rect(round(x * width), round(y * height), round(w * width), round(h * height))


Progress = Annotated[TitleProgress | OcrProgress, Field(discriminator="kind")]


class DesktopProfile(BaseModel):
    """How to launch a desktop game, find its window and read its progress."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    name: str = Field(min_length=1)
    description: str = ""
    launch: list[str] | str
    probe_args: list[str] = []
    title: str
    progress: Progress | None = None
    window_size: tuple[int, int] | None = None
    """The size the game opens at when it cannot be told (None: it takes {width}x{height})."""

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return _check_regex(v, needs_group=False)

    @field_validator("launch")
    @classmethod
    def _launch(cls, v: list[str] | str) -> list[str] | str:
        argv = shlex.split(v) if isinstance(v, str) else v
        if not argv:
            raise ValueError("launch command is empty")
        _check_placeholders(argv)
        return v

    @field_validator("probe_args")
    @classmethod
    def _probe_args(cls, v: list[str]) -> list[str]:
        _check_placeholders(v)
        return v

    @model_validator(mode="after")
    def _version(self) -> DesktopProfile:
        if self.schema_version > SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {self.schema_version} is newer than this bottomup "
                f"understands ({SCHEMA_VERSION})"
            )
        return self

    def launch_command(
        self,
        python: str,
        seed: int = 0,
        width: int = 1280,
        height: int = 720,
        probe: str | Path | None = None,
    ) -> list[str]:
        """The argv to start the game, placeholders filled; probe arguments only with a probe."""
        values = {
            "python": python,
            "seed": str(seed),
            "width": str(width),
            "height": str(height),
            "probe": str(probe) if probe is not None else "",
            "root": str(PACKAGE_ROOT),
        }
        argv = shlex.split(self.launch) if isinstance(self.launch, str) else list(self.launch)
        if probe is not None:
            argv += self.probe_args
        return [arg.format(**values) for arg in argv]

    def title_pattern(self) -> re.Pattern[str]:
        return re.compile(self.title)


def _check_placeholders(argv: list[str]) -> None:
    for arg in argv:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(arg) if f is not None}
        except ValueError as exc:
            raise ValueError(f"bad placeholder in {arg!r}: {exc}") from None
        unknown = names - PLACEHOLDERS
        if unknown:
            known = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise ValueError(
                f"unknown placeholder {{{sorted(unknown)[0]}}} in {arg!r} (known: {known})"
            )


def profiles() -> list[str]:
    """Names of the profiles shipped in games/profiles/."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path) -> DesktopProfile:
    """A profile by name (games/profiles/<name>.toml) or by path; ConfigError when it is missing
    or invalid, naming the file and the problem."""
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith(".toml") or "/" in text or path.exists()):
        path = PROFILE_DIR / f"{text}.toml"
        if not path.is_file():
            known = ", ".join(profiles()) or "none"
            raise ConfigError(f"no game profile named {text!r} (known: {known})")
    if not path.is_file():
        raise ConfigError(f"game profile file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read game profile {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"game profile {path} is not valid TOML: {exc}") from None
    try:
        return DesktopProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"game profile {path} is invalid: {problems}") from None
