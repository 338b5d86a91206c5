"""Settings of a run, read once at the edge (the CLI) and passed down.

Precedence: command-line flags > environment (BOTTOMUP_<FIELD>, plus OPENAI_BASE_URL / OPENAI_API_KEY
/ OPENAI_MODEL for the model) > bottomup.toml (in the working directory, or --config) > defaults.
Library code never reads os.environ; it receives a Settings.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import ConfigError

ENV_PREFIX = "BOTTOMUP_"
MODEL_ENV = {"OPENAI_BASE_URL": "base_url", "OPENAI_API_KEY": "api_key", "OPENAI_MODEL": "model"}


class Settings(BaseModel):
    """Everything a run can be told. Each field's description is its documentation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    library: str = Field(
        "bottomup-library.sqlite",
        description="Skill library: a SQLite file path or a postgresql:// DSN.",
    )
    recordings: Path = Field(Path("recordings"), description="Folder that receives recordings.")
    record: bool = Field(True, description="Write a recording of the run.")
    steps: int = Field(200, ge=1, description="Number of actions to take.")
    seed: int = Field(0, description="Seed for the game (built-in games) and the agent's choices.")
    size: tuple[int, int] = Field((1280, 720), description="Window size for built-in games (w, h).")
    display: Literal["auto", "virtual", "current"] = Field(
        "auto",
        description="auto: the current display if DISPLAY is set, else a private Xvfb; "
        "virtual: always a private Xvfb; current: the current display only.",
    )
    dry_run: bool = Field(False, description="Record actions without moving the pointer.")
    actions_per_second: float = Field(8.0, gt=0, description="Cap on mouse actions per second.")
    settle_timeout_s: float = Field(3.0, gt=0, description="Longest wait for the window to settle.")
    window_timeout_s: float = Field(
        20.0, gt=0, description="Longest wait for the game window to appear."
    )
    relaunch: int = Field(
        10,
        ge=0,
        description="How often a launched game that the agent closed (clean exit) is started again.",
    )
    brain: Literal["offline", "vlm", "random"] = Field(
        "offline", description="Who decides: the offline brain, a VLM, or the random baseline."
    )
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint for --brain vlm.")
    api_key: str | None = Field(None, description="API key for the endpoint.")
    model: str | None = Field(None, description="Model name for the endpoint.")
    max_model_calls: int | None = Field(None, ge=0, description="Budget: model calls per run.")
    max_tokens: int | None = Field(None, ge=0, description="Budget: tokens per run.")
    max_cost: float | None = Field(None, ge=0, description="Budget: money per run (USD).")
    agent_id: str | None = Field(None, description="Name of this agent instance in provenance.")


def _coerce_env(name: str, value: str) -> Any:
    if name == "size":
        w, _, h = value.lower().partition("x")
        return (int(w), int(h))
    return value


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> Settings:
    """Merge the sources in precedence order; raises ConfigError with the offending source."""
    values: dict[str, Any] = {}
    path = Path(config_file) if config_file else Path("bottomup.toml")
    if config_file and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    if path.is_file():
        try:
            values.update(tomllib.loads(path.read_text()))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    env = env or {}
    for key, field in MODEL_ENV.items():
        if env.get(key):
            values[field] = env[key]
    for name in Settings.model_fields:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw:
            try:
                values[name] = _coerce_env(name, raw)
            except ValueError:
                raise ConfigError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not valid") from None
    values.update({k: v for k, v in (flags or {}).items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
