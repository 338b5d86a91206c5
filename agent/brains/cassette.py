"""Cassettes: record every reply of a run, then replay them instead of calling the endpoint.

A cassette is a JSONL file: a header line {"schema_version": 1, "kind": "bottomup-cassette"},
then one line per attempt with the request hash, the full reply text (or the transport failure)
and the reported usage. `RecordingTransport` wraps a live transport and appends lines as calls
happen (flushed each time, safe across threads). `CassetteClient` has ModelClient's `ask` and
answers from the file: by request hash, in recorded order for repeated requests. A request the
recorded run never made raises CassetteMiss, naming the prompt and hash.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.brains.budget import Budget
from agent.brains.model import CallResult, ModelCall, ModelClient, ModelSettings
from agent.brains.replies import ReplyBounds
from agent.brains.transport import (
    ChatReply,
    ChatRequest,
    FailureKind,
    Transport,
    TransportFailure,
)
from agent.errors import BottomupError, ConfigError

SCHEMA_VERSION = 1
KIND = "bottomup-cassette"
R = TypeVar("R", bound=BaseModel)


class CassetteMiss(BottomupError):
    """A replay asked for a reply the cassette does not hold (the run diverged)."""


class CassetteEntry(BaseModel):
    """One recorded attempt: its request and what came back."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    request_hash: str
    prompt_id: str
    text: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    failure_kind: FailureKind | None = None
    failure_message: str = ""


class RecordingTransport:
    """A Transport that passes requests to `inner` and appends each outcome to a cassette."""

    def __init__(self, inner: Transport, path: Path) -> None:
        self._inner = inner
        self.path = Path(path)
        self._lock = threading.Lock()
        if not self.path.exists() or self.path.stat().st_size == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            header = {"schema_version": SCHEMA_VERSION, "kind": KIND}
            self.path.write_text(json.dumps(header) + "\n", encoding="utf-8")
        else:
            read_cassette(self.path)  # appending to a file that is not a cassette is refused

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        try:
            reply = self._inner.send(request, timeout_s)
        except TransportFailure as exc:
            self._append(
                CassetteEntry(
                    request_hash=request.digest(),
                    prompt_id=request.prompt_id,
                    failure_kind=exc.kind,
                    failure_message=exc.message,
                )
            )
            raise
        self._append(
            CassetteEntry(
                request_hash=request.digest(),
                prompt_id=request.prompt_id,
                text=reply.text,
                tokens_in=reply.tokens_in,
                tokens_out=reply.tokens_out,
            )
        )
        return reply

    def _append(self, entry: CassetteEntry) -> None:
        line = entry.model_dump_json() + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()


def read_cassette(path: Path) -> list[CassetteEntry]:
    """Every entry of a cassette file; ConfigError naming the line for anything malformed."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read cassette {path}: {exc}") from None
    if not lines:
        raise ConfigError(f"cassette {path} is empty")
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("kind") != KIND:
        raise ConfigError(f"{path} is not a bottomup cassette (bad header line)")
    version = header.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise ConfigError(f"cassette {path} has unsupported schema_version {version!r}")
    entries = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            entries.append(CassetteEntry.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]["msg"]
            raise ConfigError(f"cassette {path} line {number} is malformed: {first}") from None
    return entries


class CassetteTransport:
    """A Transport that answers from a cassette: by request hash, in recorded order."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._queues: dict[str, deque[CassetteEntry]] = defaultdict(deque)
        for entry in read_cassette(self.path):
            self._queues[entry.request_hash].append(entry)
        self._lock = threading.Lock()

    def remaining(self) -> int:
        """Recorded replies not yet replayed."""
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        digest = request.digest()
        with self._lock:
            queue = self._queues.get(digest)
            if not queue:
                raise CassetteMiss(
                    f"cassette {self.path} has no recorded reply for a {request.prompt_id!r}"
                    f" request {digest[:12]} (the replay asked something the recorded run did not)"
                )
            entry = queue.popleft()
        if entry.failure_kind is not None:
            raise TransportFailure(entry.failure_kind, entry.failure_message)
        return ChatReply(entry.text, entry.tokens_in, entry.tokens_out)


class CassetteClient:
    """ModelClient's `ask`, answered from a recorded cassette instead of an endpoint.

    settings must match the recorded run (model, temperature, prompts), since requests are found
    by their hash; the same validation, bounds checks and retries run as in the recorded run, so
    the replayed decisions are the recorded ones.
    """

    def __init__(
        self,
        path: Path,
        settings: ModelSettings,
        budget: Budget | None = None,
        *,
        on_call: Callable[[ModelCall], None] | None = None,
    ) -> None:
        self.transport = CassetteTransport(path)
        self._client = ModelClient(
            settings, budget, transport=self.transport, on_call=on_call, sleep=lambda _s: None
        )

    def ask(
        self,
        prompt_id: str,
        variables: dict[str, str],
        image_png: bytes | None,
        reply_model: type[R],
        *,
        bounds: ReplyBounds | None = None,
        temperature: float | None = None,
    ) -> CallResult[R]:
        """Same contract as ModelClient.ask; CassetteMiss when the cassette has no such request."""
        return self._client.ask(
            prompt_id, variables, image_png, reply_model, bounds=bounds, temperature=temperature
        )


def recording_client(
    settings: ModelSettings,
    path: Path,
    budget: Budget | None = None,
    *,
    on_call: Callable[[ModelCall], None] | None = None,
) -> ModelClient:
    """A live ModelClient that also writes every reply to the cassette at path."""
    from agent.brains.transport import OpenAITransport

    transport = RecordingTransport(OpenAITransport(settings), path)
    return ModelClient(settings, budget, transport=transport, on_call=on_call)
