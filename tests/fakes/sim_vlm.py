"""SIMULATION of a vision-language model endpoint, for tests and benchmarks only.

This is not a model and never the agent's default brain: it is a real HTTP server on 127.0.0.1
(stdlib http.server in a thread) that speaks the chat-completions protocol
(POST /v1/chat/completions, JSON in and out, usage tokens, OpenAI-style error bodies), answers
through a pluggable `answer(request) -> dict | str` callback, and misbehaves on demand:

    with SimulatedVLM(answer=lambda req: {"action": "click", "mark": 1}, error_rate=0.2,
                      latency_s=0.01, seed=3) as sim:
        ModelSettings(base_url=sim.base_url, model="sim")
        sim.queue_faults("http_500", "hang")   # the next two requests fail this way
        sim.requests                           # every request received, in order

Fault modes (FAULTS): http_500, rate_limit, hang (no reply until the client gives up),
close_mid_response (headers and half a body, then the connection drops), bad_body (HTTP 200 whose
body is not JSON), malformed_json (the model's content is broken JSON), wrong_types, out_of_range
(numbers far outside any screen), huge_strings (megabyte strings), fenced (valid JSON wrapped in a
```json fence and prose; a tolerance test rather than a fault), empty (no content).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS: tuple[str, ...] = (
    "http_500",
    "rate_limit",
    "hang",
    "close_mid_response",
    "bad_body",
    "malformed_json",
    "wrong_types",
    "out_of_range",
    "huge_strings",
    "fenced",
    "empty",
)
MALFORMED = (
    '{"action": "click", "mark": 3,',
    "{action: click}",
    "I would click the button.",
    "[1, 2, 3]",
    '{"action": "click"}}',
    '```json\n{"action": \n```',
    "null",
    '"click"',
)


@dataclass(frozen=True)
class SimRequest:
    """One request the simulation received."""

    index: int
    path: str
    body: dict[str, Any]
    prompt_id: str
    text: str
    images: tuple[str, ...]
    authorization: str
    fault: str | None = None

    @property
    def json_mode(self) -> bool:
        return (self.body.get("response_format") or {}).get("type") == "json_object"


def default_answer(request: SimRequest) -> dict[str, Any]:
    """A plausible reply per prompt id, so the simulation works without a callback."""
    replies: dict[str, dict[str, Any]] = {
        "propose": {"action": "click", "mark": 1, "reason": "simulated: try the first mark"},
        "judge": {"acted": True, "consistent": True, "progressive": False, "reason": "simulated"},
        "name": {"name": "simulated skill", "description": "a simulated description"},
        "reflect": {"statement": "simulated", "reasoning": "simulated", "guidelines": []},
    }
    return replies.get(request.prompt_id, {"simulated": True})


@dataclass
class SimulatedVLM:
    """A chat-completions server on 127.0.0.1 with injectable answers, latency and faults."""

    answer: Callable[[SimRequest], dict[str, Any] | str] = default_answer
    error_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    latency_s: float = 0.0
    seed: int = 0
    hang_s: float = 30.0
    usage: bool = True
    json_mode_supported: bool = True
    api_key: str | None = None
    huge_chars: int = 1_000_000
    requests: list[SimRequest] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault modes: {sorted(unknown)}")
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._script: deque[str | None] = deque()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SimulatedVLM is not running (use it as a context manager)")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def queue_faults(self, *modes: str | None) -> None:
        """Force the next requests' behaviour in order (None or "ok" answers normally)."""
        for mode in modes:
            if mode not in (None, "ok") and mode not in FAULTS:
                raise ValueError(f"unknown fault mode {mode!r}")
        with self._lock:
            self._script.extend(None if m == "ok" else m for m in modes)

    def __enter__(self) -> SimulatedVLM:
        handler = type("Handler", (_Handler,), {"sim": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _pick_fault(self) -> str | None:
        with self._lock:
            if self._script:
                return self._script.popleft()
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                return self._rng.choice(self.faults)
            return None

    def _record(self, **kwargs: Any) -> SimRequest:
        with self._lock:
            request = SimRequest(index=len(self.requests), **kwargs)
            self.requests.append(request)
            return request

    def _corrupt(self, fault: str, good: dict[str, Any] | str) -> str:
        base = good if isinstance(good, dict) else {"action": "click", "mark": 1}
        with self._lock:
            rng = random.Random(self._rng.random())
        if fault == "malformed_json":
            return rng.choice(MALFORMED)
        if fault == "wrong_types":
            wrong = {"int": "seven", "bool": "maybe", "str": [1, 2], "none": {"x": 1}}
            out = {k: wrong[_kind(v)] for k, v in base.items()} or {"action": 42}
            return json.dumps(out)
        if fault == "out_of_range":
            out = {
                k: rng.choice([-5, 10_007, 10**7]) if _kind(v) == "int" else v
                for k, v in base.items()
            }
            for key in ("mark", "x", "y"):
                out.setdefault(key, rng.choice([-5, 10_007, 10**7]))
            return json.dumps(out)
        if fault == "huge_strings":
            out = {k: "A" * self.huge_chars if isinstance(v, str) else v for k, v in base.items()}
            out["reason"] = "B" * self.huge_chars
            return json.dumps(out)
        if fault == "fenced":
            text = good if isinstance(good, str) else json.dumps(good, indent=2)
            return f"Here is my answer.\n```json\n{text}\n```\nGood luck!"
        if fault == "empty":
            return ""
        raise AssertionError(fault)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "str"
    return "none"


class _Handler(BaseHTTPRequestHandler):
    sim: SimulatedVLM
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read .requests
        return

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        sim = self.sim
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"no route {self.path}", "invalid_request_error")
            return
        try:
            body = json.loads(raw)
            messages = body["messages"]
        except (json.JSONDecodeError, KeyError, TypeError):
            self._error(400, "request body must be JSON with messages", "invalid_request_error")
            return
        texts, images = _contents(messages)
        fault = sim._pick_fault()
        request = sim._record(
            path=self.path,
            body=body,
            prompt_id=self.headers.get("X-Bottomup-Prompt-Id", ""),
            text="\n".join(texts),
            images=tuple(images),
            authorization=self.headers.get("Authorization", ""),
            fault=fault,
        )
        if sim.latency_s and sim._stop.wait(sim.latency_s):
            return
        if sim.api_key is not None and request.authorization != f"Bearer {sim.api_key}":
            self._error(401, "invalid api key (simulated)", "invalid_request_error")
            return
        if request.json_mode and not sim.json_mode_supported:
            self._error(
                400, "response_format json_object is not supported", "invalid_request_error"
            )
            return
        if fault == "http_500":
            self._error(500, "simulated server error", "server_error")
        elif fault == "rate_limit":
            self._error(429, "simulated rate limit", "rate_limit_error")
        elif fault == "hang":
            sim._stop.wait(sim.hang_s)
            self.close_connection = True
        elif fault == "close_mid_response":
            self._close_mid_response()
        elif fault == "bad_body":
            self._send(200, b"<html>simulated proxy error page</html>")
        else:
            good = sim.answer(request)
            if fault is None:
                content = good if isinstance(good, str) else json.dumps(good)
            else:
                content = sim._corrupt(fault, good)
            self._completion(body, content, texts, images)

    def _completion(self, body: dict, content: str, texts: list[str], images: list[str]) -> None:
        payload: dict[str, Any] = {
            "id": f"simcmpl-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model", "sim")),
            "system_fingerprint": "SIMULATION (tests/fakes/sim_vlm.py)",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
        if self.sim.usage:
            prompt = sum(len(t) for t in texts) // 4 + 765 * len(images)
            completion = max(1, len(content) // 4)
            payload["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        self._send(200, json.dumps(payload).encode())

    def _close_mid_response(self) -> None:
        body = json.dumps({"id": "x", "choices": [{"message": {"content": "{}"}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) * 3))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _error(self, status: int, message: str, kind: str) -> None:
        error = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        self._send(status, json.dumps(error).encode())

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _contents(messages: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    images: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for part in content:
                if part.get("type") == "text":
                    texts.append(part.get("text", ""))
                elif part.get("type") == "image_url":
                    images.append(part.get("image_url", {}).get("url", ""))
    return texts, images
