"""The model layer of the VLM brain: ask a prompt about a screenshot, get a validated reply.

    client = ModelClient(ModelSettings(base_url="http://127.0.0.1:8000/v1", model="qwen2.5-vl"))
    result = client.ask("propose", {"marks": ..., "history": ..., "guidelines": ...},
                        png_bytes, ProposeReply, bounds=ReplyBounds(frozenset({1, 2}), 800, 600))
    result.reply.mark, result.calls   # the validated reply and one ModelCall per attempt

Each attempt is checked against the Budget first, then sent. A malformed reply is re-asked with the
validation error appended; timeouts, HTTP 5xx, rate limits and dropped connections are retried;
all attempts are bounded by `max_retries`. When nothing usable came back, ask raises ModelGaveUp
(a ModelOutputError carrying the calls) so the caller records it and lets the offline brain take
the step. Every attempt, failed or not, becomes a ModelCall and is passed to `on_call` listeners.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

from agent.brains.budget import Budget
from agent.brains.replies import ReplyBounds, check_bounds, parse_reply
from agent.brains.templates import load_template, placeholders, render
from agent.brains.transport import ChatReply, ChatRequest, Transport, TransportFailure, Turn
from agent.errors import ConfigError, ModelOutputError

log = logging.getLogger(__name__)

R = TypeVar("R", bound=BaseModel)

RAW_REPLY_BYTES = 4096
COORDINATE_TEXT = {
    "pixels": "Coordinates x and y are pixels of the screenshot: (0, 0) is the top-left corner.",
    "0-1000": "Coordinates x and y run from 0 to 1000 across the screenshot: (0, 0) is the"
    " top-left corner and (1000, 1000) the bottom-right corner, whatever its size.",
}


@dataclass(frozen=True)
class ModelSettings:
    """How to reach one OpenAI-compatible endpoint and what a call costs."""

    base_url: str
    """Root of the API, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1"."""
    model: str
    """Model name as the endpoint knows it."""
    api_key: str = ""
    """Bearer key; local servers usually accept anything (an empty key sends "no-key")."""
    timeout_s: float = 60.0
    """Seconds to wait for one reply before the attempt counts as a timeout."""
    max_retries: int = 2
    """Extra attempts after the first (malformed replies, timeouts, 5xx, dropped connections)."""
    temperature: float = 0.0
    """Sampling temperature sent with every request."""
    coordinates: Literal["pixels", "0-1000"] = "pixels"
    """The convention the model is told to use for x and y."""
    price_in_per_1k: float = 0.0
    """Cost of 1,000 input tokens (any currency; budgets use the same one)."""
    price_out_per_1k: float = 0.0
    """Cost of 1,000 output tokens."""
    max_reply_tokens: int = 512
    """Upper bound on the tokens of one reply (sent as max_tokens; reserved in the budget)."""
    json_mode: bool = True
    """Ask for response_format json_object; switched off for this client if the endpoint refuses."""
    retry_backoff_s: float = 0.5
    """Pause before retrying after a transport failure, times the attempt number."""
    prompts_dir: Path | None = None
    """Directory of user prompt templates; None uses the built-in agent/brains/prompts/."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"model base_url must start with http:// or https://: {self.base_url!r}"
            )
        if not self.model.strip():
            raise ConfigError("model name is empty")
        if not self.timeout_s > 0:
            raise ConfigError(f"model timeout_s must be > 0, got {self.timeout_s}")
        if not 0 <= self.max_retries <= 10:
            raise ConfigError(f"model max_retries must be 0..10, got {self.max_retries}")
        if not 0.0 <= self.temperature <= 2.0:
            raise ConfigError(f"model temperature must be 0..2, got {self.temperature}")
        if self.coordinates not in COORDINATE_TEXT:
            raise ConfigError(f"coordinates must be 'pixels' or '0-1000', got {self.coordinates!r}")
        if self.price_in_per_1k < 0 or self.price_out_per_1k < 0:
            raise ConfigError("model prices must be >= 0")
        if not 1 <= self.max_reply_tokens <= 32_768:
            raise ConfigError(f"max_reply_tokens must be 1..32768, got {self.max_reply_tokens}")
        if self.retry_backoff_s < 0:
            raise ConfigError("retry_backoff_s must be >= 0")

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        """Money for one call with these token counts."""
        return tokens_in / 1000 * self.price_in_per_1k + tokens_out / 1000 * self.price_out_per_1k


@dataclass(frozen=True)
class ModelCall:
    """The record of one attempt, stored in the recording (failed attempts included)."""

    prompt_id: str
    model: str
    request_hash: str
    attempt: int
    ok: bool
    error: str
    tokens_in: int
    tokens_out: int
    tokens_estimated: bool
    latency_s: float
    cost: float
    raw_reply: str
    started_at: float

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict for events.jsonl."""
        return asdict(self)


@dataclass(frozen=True)
class CallResult(Generic[R]):
    """A validated reply, its full text, and the calls it took."""

    reply: R
    reply_text: str
    calls: tuple[ModelCall, ...] = field(default=())


class ModelGaveUp(ModelOutputError):
    """No usable reply after the allowed attempts; `calls` holds every attempt's record."""

    def __init__(self, message: str, calls: tuple[ModelCall, ...]) -> None:
        super().__init__(message)
        self.calls = calls


class ModelClient:
    """Asks prompts of an OpenAI-compatible endpoint and returns validated replies."""

    def __init__(
        self,
        settings: ModelSettings,
        budget: Budget | None = None,
        *,
        transport: Transport | None = None,
        on_call: Callable[[ModelCall], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.budget = budget or Budget()
        if transport is None:
            from agent.brains.transport import OpenAITransport

            transport = OpenAITransport(settings)
        self._transport = transport
        self._listeners: list[Callable[[ModelCall], None]] = [on_call] if on_call else []
        self._sleep = sleep
        self._json_mode = settings.json_mode
        self._templates: dict[str, str] = {}  # read once per client: prompts are fixed per run
        self._system = self._template("system").strip()

    def add_listener(self, listener: Callable[[ModelCall], None]) -> None:
        """Call listener with every ModelCall from now on (e.g. the recorder)."""
        self._listeners.append(listener)

    def render(self, prompt_id: str, variables: dict[str, str]) -> str:
        """The prompt text ask() would send (the coordinate convention is filled in if used)."""
        template = self._template(prompt_id)
        values = dict(variables)
        if "coordinate_convention" in placeholders(template):
            values.setdefault("coordinate_convention", COORDINATE_TEXT[self.settings.coordinates])
        return render(template, values, prompt_id)

    def _template(self, prompt_id: str) -> str:
        template = self._templates.get(prompt_id)
        if template is None:
            template = load_template(prompt_id, self.settings.prompts_dir)
            self._templates[prompt_id] = template
        return template

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
        """Ask one prompt (with an optional PNG screenshot); a reply_model or ModelGaveUp.

        bounds, when given, also rejects marks and points the screenshot does not have (and the
        model is re-asked). temperature overrides the settings' one for this call (a recipe's
        sampling). BudgetExhausted propagates: the budget is the caller's decision.
        """
        if temperature is None:
            temperature = self.settings.temperature
        elif not 0.0 <= temperature <= 2.0:
            raise ConfigError(f"temperature must be 0..2, got {temperature}")
        if bounds is not None and bounds.coordinates != self.settings.coordinates:
            raise ConfigError(
                f"bounds use {bounds.coordinates!r} but the model is told"
                f" {self.settings.coordinates!r}"
            )
        prompt = self.render(prompt_id, variables)
        first = Turn("user", prompt, image_png)
        turns: tuple[Turn, ...] = (first,)
        calls: list[ModelCall] = []
        last_error = "no attempt made"
        attempt = 0
        while attempt <= self.settings.max_retries:
            attempt += 1
            request = ChatRequest(
                prompt_id=prompt_id,
                model=self.settings.model,
                system=self._system,
                turns=turns,
                temperature=temperature,
                max_tokens=self.settings.max_reply_tokens,
                json_mode=self._json_mode,
            )
            reply, call, failure = self._attempt(request, len(calls) + 1, reply_model, bounds)
            calls.append(call)
            self._emit(call)
            if reply is not None:
                return CallResult(reply=reply[0], reply_text=reply[1], calls=tuple(calls))
            last_error = call.error
            if isinstance(failure, TransportFailure):
                if failure.kind == "json_mode" and self._json_mode:
                    # Not the model's fault: ask again without json mode, at no retry's expense.
                    log.info("endpoint refuses response_format json_object; asking without it")
                    self._json_mode = False
                    attempt -= 1
                    continue
                if not failure.retryable:
                    break
                self._sleep(self.settings.retry_backoff_s * attempt)
                continue
            turns = (first, Turn("assistant", _cut(call.raw_reply, 2000)), _correction(call.error))
        raise ModelGaveUp(
            f"{prompt_id}: no usable reply after {len(calls)} attempt(s): {last_error}",
            tuple(calls),
        )

    def _attempt(
        self,
        request: ChatRequest,
        attempt: int,
        reply_model: type[R],
        bounds: ReplyBounds | None,
    ) -> tuple[tuple[R, str] | None, ModelCall, Exception | None]:
        est_in = estimate_request_tokens(request)
        worst = est_in + request.max_tokens
        reservation = self.budget.reserve(worst, self.settings.cost(est_in, request.max_tokens))
        started = time.time()
        t0 = time.monotonic()
        answer: ChatReply | None = None
        failure: Exception | None = None
        timeout_s = self.settings.timeout_s
        left = self.budget.remaining_s()
        if left is not None:  # a call in flight must not outlive the time budget
            timeout_s = max(0.05, min(timeout_s, left))
        try:
            answer = self._transport.send(request, timeout_s)
        except TransportFailure as exc:
            failure = exc
        except BaseException:
            self.budget.settle(reservation, est_in, self.settings.cost(est_in, 0))
            raise
        latency = time.monotonic() - t0
        text = answer.text if answer is not None else None
        tokens_in = answer.tokens_in if answer is not None else None
        tokens_out = answer.tokens_out if answer is not None else None
        estimated = tokens_in is None or tokens_out is None
        t_in = tokens_in if tokens_in is not None else est_in
        t_out = tokens_out if tokens_out is not None else estimate_text_tokens(text or "")
        cost = self.settings.cost(t_in, t_out)
        self.budget.settle(reservation, t_in + t_out, cost)
        parsed: tuple[R, str] | None = None
        if failure is None:
            try:
                reply = parse_reply(text, reply_model)
                if bounds is not None:
                    check_bounds(reply, bounds)
                parsed = (reply, text or "")
            except ModelOutputError as exc:
                failure = exc
        if failure is not None:
            log.info("model call %s attempt %d failed: %s", request.prompt_id, attempt, failure)
        call = ModelCall(
            prompt_id=request.prompt_id,
            model=request.model,
            request_hash=request.digest(),
            attempt=attempt,
            ok=parsed is not None,
            error="" if failure is None else str(failure),
            tokens_in=t_in,
            tokens_out=t_out,
            tokens_estimated=estimated,
            latency_s=latency,
            cost=cost,
            raw_reply=_cut_bytes(text or "", RAW_REPLY_BYTES),
            started_at=started,
        )
        return parsed, call, failure

    def _emit(self, call: ModelCall) -> None:
        for listener in self._listeners:
            listener(call)


def _correction(error: str) -> Turn:
    return Turn(
        "user",
        f"That reply could not be used: {error}\n"
        "Answer again with only the JSON object described above, and nothing else.",
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def estimate_text_tokens(text: str) -> int:
    """Rough token count of text (4 characters a token), used when the endpoint reports none."""
    return math.ceil(len(text) / 4)


def estimate_image_tokens(png: bytes) -> int:
    """Tokens of a screenshot as high-detail vision models bill it: 85 + 170 per 512 px tile."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ConfigError("image_png is not a PNG file")
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    return 85 + 170 * math.ceil(width / 512) * math.ceil(height / 512)


def estimate_request_tokens(request: ChatRequest) -> int:
    """Input tokens of a request, estimated before sending (for the budget's worst case)."""
    total = estimate_text_tokens(request.system) + 4
    for turn in request.turns:
        total += estimate_text_tokens(turn.text) + 4
        if turn.image_png is not None:
            total += estimate_image_tokens(turn.image_png)
    return total
