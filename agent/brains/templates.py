"""Prompt templates as package data files (agent/brains/prompts/*.md), loaded by id and filled.

A template is agent/brains/prompts/<prompt_id>.md (or a file in a directory the user configures).
Only `{identifier}` (lowercase letters, digits, underscores) is a placeholder; any other brace,
such as a JSON example `{"mark": 3}`, is left alone. Substitution is a single pass, so braces inside
values are never expanded again. A missing or unknown variable is a ConfigError naming it.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from agent.errors import ConfigError

PROMPT_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
MAX_TEMPLATE_BYTES = 64_000


def load_template(prompt_id: str, prompts_dir: Path | None = None) -> str:
    """The text of a prompt template; ConfigError for a bad id or a missing file."""
    if not PROMPT_ID.match(prompt_id):
        raise ConfigError(f"bad prompt id {prompt_id!r}: use lowercase letters, digits, - and _")
    name = f"{prompt_id}.md"
    try:
        if prompts_dir is not None:
            data = (Path(prompts_dir) / name).read_bytes()
        else:
            data = resources.files("agent.brains").joinpath("prompts", name).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        where = prompts_dir if prompts_dir is not None else "the built-in prompts"
        raise ConfigError(f"no prompt {prompt_id!r} in {where}") from None
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ConfigError(f"prompt {prompt_id!r} is larger than {MAX_TEMPLATE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"prompt {prompt_id!r} is not UTF-8 text") from None


def placeholders(template: str) -> frozenset[str]:
    """The variable names a template uses."""
    return frozenset(PLACEHOLDER.findall(template))


def render(template: str, variables: dict[str, str], prompt_id: str = "prompt") -> str:
    """Fill every placeholder of template from variables, in one pass."""
    needed = placeholders(template)
    missing = sorted(needed - variables.keys())
    if missing:
        raise ConfigError(f"prompt {prompt_id!r} needs variables: {', '.join(missing)}")
    unknown = sorted(variables.keys() - needed)
    if unknown:
        raise ConfigError(f"prompt {prompt_id!r} has no placeholders for: {', '.join(unknown)}")
    for key, value in variables.items():
        if not isinstance(value, str):
            raise ConfigError(
                f"prompt {prompt_id!r}: variable {key!r} must be a string,"
                f" got {type(value).__name__}"
            )
    return PLACEHOLDER.sub(lambda m: variables[m.group(1)], template)


def render_prompt(
    prompt_id: str, variables: dict[str, str], prompts_dir: Path | None = None
) -> str:
    """Load a template by id and fill it."""
    return render(load_template(prompt_id, prompts_dir), variables, prompt_id)
