"""A real HTTP server on 127.0.0.1 standing in for Anthropic's Messages API (POST /v1/messages).

It checks the ``x-api-key`` and ``anthropic-version`` headers and the request's required fields
as the API does (400 ``invalid_request_error`` otherwise), records every request body, and
answers with a ``tool_use`` block calling the tool the request forced, with the input a test
gives (``tool_input``, a dict or a function of the request body). It can be told to answer with
error statuses (429, 500, 529) for the next requests, to answer too slowly, or to answer
malformed content.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class AnthropicStub:
    api_key: str = "sk-ant-test-key"
    bodies: list[Any] = field(default_factory=list)
    planned_failures: list[int] = field(default_factory=list)
    tool_input: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    #: "tool" (normal), "text" (no tool call), "garbage" (not JSON), "wrong_shape".
    mode: str = "tool"
    delay_seconds: float = 0.0
    #: Recorded answers (lists of content blocks) given in order, before ``mode`` applies.
    replies: list[list[dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, data, headers = stub.answer(self.path, self.headers, raw)
                if stub.delay_seconds:
                    time.sleep(stub.delay_seconds)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    return  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent_text(self) -> str:
        """Everything every request carried, as one string (for "never sent" assertions)."""
        return json.dumps(self.bodies, ensure_ascii=False)

    def _error(self, status: int, message: str) -> tuple[int, bytes, dict[str, str]]:
        body = {
            "type": "error",
            "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
        }
        # The SDK honours retry-after-ms: keeps retries fast in tests.
        return status, json.dumps(body).encode(), {"retry-after-ms": "5"}

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        with self.lock:
            if path != "/v1/messages":
                return self._error(404, "not found")
            # The SDK sends the key as x-api-key or (newer versions) as a Bearer token.
            keys = {
                headers.get("x-api-key"),
                (headers.get("Authorization") or "").removeprefix("Bearer "),
            }
            if self.api_key not in keys:
                return self._error(401, "invalid x-api-key")
            if not headers.get("anthropic-version"):
                return self._error(400, "anthropic-version header is required")
            try:
                body = json.loads(raw)
            except ValueError:
                return self._error(400, "body is not JSON")
            self.bodies.append(body)
            for name in ("model", "max_tokens", "messages"):
                if name not in body:
                    return self._error(400, f"{name}: Field required")
            if self.planned_failures:
                return self._error(self.planned_failures.pop(0), "planned failure")
            return 200, self._message(body), {}

    def _message(self, body: dict[str, Any]) -> bytes:
        if self.mode == "garbage":
            return b"{not json"
        tool = (body.get("tool_choice") or {}).get("name", "record_extraction")
        given = self.tool_input(body) if callable(self.tool_input) else self.tool_input
        if self.replies:
            content = self.replies.pop(0)
        elif self.mode == "text":
            content: list[dict[str, Any]] = [
                {"type": "text", "text": "I marked all invoices paid."}
            ]
        elif self.mode == "wrong_shape":
            content = [
                {"type": "tool_use", "id": "toolu_1", "name": tool, "input": {"fields": "x"}}
            ]
        else:
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{uuid.uuid4().hex[:12]}",
                    "name": tool,
                    "input": given,
                }
            ]
        message = {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": "tool_use"
            if any(b["type"] == "tool_use" for b in content)
            else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 120, "output_tokens": 40},
        }
        return json.dumps(message).encode()
