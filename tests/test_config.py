"""Settings precedence (flags > env > bottomup.toml > defaults) and clear errors."""

from __future__ import annotations

import pytest

from agent.config import load_settings
from agent.errors import ConfigError


def test_precedence(tmp_path) -> None:
    cfg = tmp_path / "bottomup.toml"
    cfg.write_text('steps = 50\nseed = 3\nlibrary = "from-file.sqlite"\n')
    env = {"BOTTOMUP_STEPS": "70", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    s = load_settings({"steps": 90}, env=env, config_file=cfg)
    assert (s.steps, s.seed, s.library, s.base_url) == (
        90,
        3,
        "from-file.sqlite",
        "http://127.0.0.1:9/v1",
    )
    assert load_settings({}, env=env, config_file=cfg).steps == 70
    assert load_settings({}, env={}, config_file=cfg).steps == 50


def test_defaults_without_any_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.brain == "offline" and s.display == "auto" and s.steps == 200


@pytest.mark.parametrize(
    ("text", "message"),
    [("steps = 0\n", "steps"), ("nonsense = 1\n", "nonsense"), ("steps = [\n", "invalid TOML")],
)
def test_bad_config_file_gives_one_clear_error(tmp_path, text, message) -> None:
    cfg = tmp_path / "bottomup.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config_file=cfg)


def test_missing_config_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml")
