"""One HTTP attempt to a chat-completions endpoint, behind a small seam.

ModelClient builds a ChatRequest (plain frozen data: a system text and turns of text plus an
optional PNG) and hands it to a Transport, which returns the reply text with token usage or
raises TransportFailure saying whether a retry could help. OpenAITransport speaks to any
OpenAI-compatible server with the `openai` package (imported lazily, its own retries off: retries
are ModelClient's business). A cassette transport (cassette.py) replays recorded replies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from agent.errors import MissingDependency

if TYPE_CHECKING:
    from agent.brains.model import ModelSettings

log = logging.getLogger(__name__)

FailureKind = Literal[
    "timeout", "connection", "server", "rate_limit", "protocol", "rejected", "json_mode"
]
RETRYABLE: frozenset[str] = frozenset({"timeout", "connection", "server", "rate_limit", "protocol"})


@dataclass(frozen=True)
class Turn:
    """One message: who says it, the text, and optionally a PNG screenshot."""

    role: Literal["user", "assistant"]
    text: str
    image_png: bytes | None = None


@dataclass(frozen=True)
class ChatRequest:
    """Everything that decides a reply; two equal requests hash the same."""

    prompt_id: str
    model: str
    system: str
    turns: tuple[Turn, ...]
    temperature: float
    max_tokens: int
    json_mode: bool

    def digest(self) -> str:
        """A sha256 over the content (images by their own sha256), for cassettes and logs."""
        canon = {
            "prompt_id": self.prompt_id,
            "model": self.model,
            "system": self.system,
            "turns": [
                {
                    "role": t.role,
                    "text": t.text,
                    "image": hashlib.sha256(t.image_png).hexdigest() if t.image_png else None,
                }
                for t in self.turns
            ],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        raw = json.dumps(canon, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ChatReply:
    """The text the model sent and the usage the endpoint reported (None when it did not)."""

    text: str | None
    tokens_in: int | None = None
    tokens_out: int | None = None


class TransportFailure(Exception):
    """One attempt failed below the level of the reply text (HTTP, network, protocol)."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind: FailureKind = kind
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


class Transport(Protocol):
    """Sends one request, returns one reply or raises TransportFailure."""

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply: ...


def png_data_url(png: bytes) -> str:
    """A PNG as a data URL, the way chat-completions endpoints accept images."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def to_messages(request: ChatRequest) -> list[dict[str, object]]:
    """The chat-completions `messages` list for a request."""
    messages: list[dict[str, object]] = [{"role": "system", "content": request.system}]
    for turn in request.turns:
        if turn.image_png is None:
            messages.append({"role": turn.role, "content": turn.text})
            continue
        messages.append(
            {
                "role": turn.role,
                "content": [
                    {"type": "text", "text": turn.text},
                    {"type": "image_url", "image_url": {"url": png_data_url(turn.image_png)}},
                ],
            }
        )
    return messages


class OpenAITransport:
    """A Transport over the `openai` package, for any OpenAI-compatible base_url."""

    def __init__(self, settings: ModelSettings) -> None:
        try:
            import openai
        except ImportError:  # pragma: no cover - openai is a core dependency
            raise MissingDependency(
                "the VLM brain needs the 'openai' package: pip install openai"
            ) from None
        self._openai = openai
        self._client = openai.OpenAI(
            api_key=settings.api_key or "no-key",
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=0,
        )

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        openai = self._openai
        extra: dict[str, object] = {}
        if request.json_mode:
            extra["response_format"] = {"type": "json_object"}
        try:
            completion = self._client.chat.completions.create(
                model=request.model,
                messages=to_messages(request),  # type: ignore[arg-type]
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                timeout=timeout_s,
                extra_headers={"X-Bottomup-Prompt-Id": request.prompt_id},
                **extra,  # type: ignore[arg-type]
            )
        except openai.APITimeoutError as exc:
            raise TransportFailure("timeout", f"no reply within {timeout_s:.1f} s") from exc
        except openai.APIConnectionError as exc:
            raise TransportFailure("connection", _cause(exc)) from exc
        except openai.RateLimitError as exc:
            raise TransportFailure("rate_limit", _status_text(exc)) from exc
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                raise TransportFailure("server", _status_text(exc)) from exc
            if request.json_mode and exc.status_code in (400, 422) and _mentions_json_mode(exc):
                raise TransportFailure("json_mode", _status_text(exc)) from exc
            raise TransportFailure("rejected", _status_text(exc)) from exc
        except (openai.OpenAIError, ValueError) as exc:
            raise TransportFailure("protocol", f"{type(exc).__name__}: {exc}"[:300]) from exc
        return _reply_of(completion)


def _reply_of(completion: object) -> ChatReply:
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise TransportFailure("protocol", "the endpoint sent no choices")
    message = getattr(choices[0], "message", None)
    text = getattr(message, "content", None)
    if text is not None and not isinstance(text, str):
        raise TransportFailure("protocol", f"message content is {type(text).__name__}, not text")
    usage = getattr(completion, "usage", None)
    tokens_in = getattr(usage, "prompt_tokens", None)
    tokens_out = getattr(usage, "completion_tokens", None)
    return ChatReply(
        text=text,
        tokens_in=tokens_in if isinstance(tokens_in, int) and tokens_in >= 0 else None,
        tokens_out=tokens_out if isinstance(tokens_out, int) and tokens_out >= 0 else None,
    )


def _cause(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    return f"{exc}: {type(inner).__name__}" if inner else str(exc)


def _status_text(exc: object) -> str:
    status = getattr(exc, "status_code", "?")
    message = getattr(exc, "message", "") or str(exc)
    return f"HTTP {status}: {message}"[:300]


def _mentions_json_mode(exc: object) -> bool:
    text = (getattr(exc, "message", "") or str(exc)).lower()
    return "response_format" in text or "json_object" in text or "json mode" in text
