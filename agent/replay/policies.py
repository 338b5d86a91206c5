"""Which brain re-decides or learns from a recording: factories by policy name.

A recording names its policy (manifest config "policy", e.g. "random-baseline" or
"bottomup-learner") and its seed; `policy_factory()` rebuilds that policy seeded the same way.
The learning agent runs over a skill library; re-deciding must not change the user's library, so
it works on a private copy (a SQLite file is copied; an empty library when none is given).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path

from agent.errors import ConfigError
from agent.loop import Policy
from agent.replay.reader import Replay
from agent.session import build_learner

__all__ = ["build_learner", "learner_policy", "policy_factory", "register_policy"]

PolicyFactory = Callable[[Replay], Policy]
Builder = Callable[[Replay, str | None], Policy]
_BUILDERS: dict[str, Builder] = {}
LEARNER_NAMES = ("bottomup-learner", "offline", "learner")


def register_policy(name: str, builder: Builder) -> None:
    """Make a policy name re-decidable: builder(replay, library or None) -> a fresh Policy."""
    _BUILDERS[name] = builder


def _random_baseline(replay: Replay, library: str | None) -> Policy:
    from agent.brains.random import RandomClicker

    return RandomClicker(seed=replay.seed or 0)


def _check_library(library: str | None) -> None:
    """A library re-deciding can start from: none, or an existing SQLite file."""
    if library is None:
        return
    if "://" in library:
        raise ConfigError(
            "re-deciding with a server library would change it; export it to a SQLite file "
            "(bottomup skills export) and pass that file"
        )
    if not Path(library).is_file():
        raise ConfigError(f"library {library} does not exist")


def private_library(library: str | None) -> str:
    """A throw-away copy of a SQLite library (or a new empty one) that re-deciding may write."""
    _check_library(library)
    copy = Path(tempfile.mkdtemp(prefix="bottomup-redecide-")) / "library.sqlite"
    if library is None:
        return str(copy)
    source = Path(library)
    shutil.copy2(source, copy)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{source}{suffix}")
        if side.is_file():
            shutil.copy2(side, f"{copy}{suffix}")
    return str(copy)


_shared_reader = None


def shared_text_reader():
    """One OCR reader for every policy replay builds in this process, so its content cache stays
    warm across passes and recordings (OCR results depend on the pixels only)."""
    global _shared_reader
    if _shared_reader is None:
        from agent.perception.text import TextReader

        _shared_reader = TextReader()
    return _shared_reader


_shared_memo = None


def shared_pixel_memo():
    """One perception memo for every learner replay builds in this process (what is read from a
    frame's pixels depends on the pixels only, so passes over the same recordings share it);
    a file-backed one after `use_perception_cache`."""
    global _shared_memo
    if _shared_memo is None:
        from agent.cycle.perceive import PixelMemo

        _shared_memo = PixelMemo(512)
    return _shared_memo


def use_perception_cache(path: Path | None):
    """Keep perception of replayed frames in the file at `path` from now on (None: in memory
    only); returns the memo."""
    global _shared_memo
    if path is None:
        _shared_memo = None
        return shared_pixel_memo()
    from agent.replay.perception_cache import PerceptionCache

    _shared_memo = PerceptionCache(path)
    return _shared_memo


def learner_policy(replay: Replay, library: str, endpoint=None) -> Policy:
    """The learning agent, seeded, scoped and told the progress signal like the recorded run.

    A run recorded with a VLM (config brain = "vlm") gets its VLM tier back, answering from the
    cassette stored in the recording; `endpoint` (ModelSettings) re-asks a live model instead.
    """
    wants_vlm = endpoint is not None or replay.manifest.config.get("brain") == "vlm"
    return build_learner(
        reader=shared_text_reader(),
        memo=shared_pixel_memo(),
        game=replay.manifest.game,
        agent_id=replay.manifest.agent_id,
        seed=replay.seed or 0,
        library=library,
        vlm=(lambda offline: _vlm_brain(replay, offline, endpoint)) if wants_vlm else None,
    )


def _vlm_brain(replay: Replay, offline, endpoint):
    """The VLM tier: answered from the recording's cassette, or re-asked from `endpoint`."""
    from agent.brains.budget import Budget, BudgetLimits
    from agent.brains.cassette import CassetteClient
    from agent.brains.model import ModelClient, ModelSettings
    from agent.brains.vlm import build_vlm_brain

    if endpoint is not None:
        client = ModelClient(endpoint, Budget(BudgetLimits()))
        return build_vlm_brain(endpoint, Budget(BudgetLimits()), offline, client=client)
    cassette = replay.cassette_path
    if cassette is None:
        raise ConfigError(
            f"{replay.path}: recorded with a VLM but holds no cassette of its replies; "
            "re-ask a live endpoint instead (--base-url and --model)"
        )
    config = replay.manifest.config
    recorded_limits = _recorded_limits(config)
    model = ModelSettings(
        base_url=str(config.get("base_url") or "http://cassette.invalid/v1"),
        model=str(config.get("model") or ""),
    )
    budget = Budget(recorded_limits)
    client = CassetteClient(cassette, model, budget)
    return build_vlm_brain(model, budget, offline, client=client)


def _recorded_limits(config: dict):
    """The model budget the recorded run had (its config stores each setting as text), so the
    replay stops asking exactly where the run did."""
    from agent.brains.budget import BudgetLimits

    def number(key: str, kind: type):
        value = config.get(key)
        return None if value in (None, "None", "") else kind(value)

    return BudgetLimits(
        max_calls=number("max_model_calls", int),
        max_tokens=number("max_tokens", int),
        max_cost=number("max_cost", float),
    )


def _learner_on_copy(replay: Replay, library: str | None, endpoint=None) -> Policy:
    copy = private_library(library)
    policy = learner_policy(replay, copy, endpoint)
    # the copy goes with the policy (closed after re-deciding, or at exit)
    weakref.finalize(policy, shutil.rmtree, Path(copy).parent, True)
    return policy


register_policy("random-baseline", _random_baseline)
register_policy("random", _random_baseline)
for _name in LEARNER_NAMES:
    register_policy(_name, _learner_on_copy)


def _known() -> str:
    return ", ".join(sorted(_BUILDERS))


def policy_factory(
    name: str | None = None, library: str | None = None, endpoint=None
) -> PolicyFactory:
    """A factory for policy `name` (None: the policy each recording names).

    `endpoint` (agent.brains.model.ModelSettings) re-asks a live model for the learning agent's
    VLM tier instead of answering from the recording's cassette. An unknown `name` or a library
    that cannot be used is a ConfigError here, before any recording is opened.
    """
    if name is not None and name not in _BUILDERS:
        raise ConfigError(f"no re-decidable policy named {name!r} (known: {_known()})")
    _check_library(library)

    def build(replay: Replay) -> Policy:
        wanted = name or replay.policy_name
        if wanted is None:
            raise ConfigError(f"{replay.path}: the recording does not name its policy; pass one")
        builder = _BUILDERS.get(wanted)
        if builder is None:
            raise ConfigError(f"no re-decidable policy named {wanted!r} (known: {_known()})")
        if endpoint is not None:
            if builder is not _learner_on_copy:
                raise ConfigError(f"policy {wanted!r} asks no model; --base-url does not apply")
            return _learner_on_copy(replay, library, endpoint)
        return builder(replay, library)

    return build
