"""A local stand-in for the Stripe API (http.server on 127.0.0.1) that the real SDK talks to."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.functional.invoices.conftest import business, draft_data, invoice_id_from  # noqa: F401


class StripeStub:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None
        self.sessions: dict[str, dict[str, Any]] = {}


def _handler(stub: StripeStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = dict(parse_qsl(body, keep_blank_values=True))
            stub.requests.append(
                {
                    "path": self.path,
                    "form": form,
                    "auth": self.headers.get("Authorization"),
                    "idempotency_key": self.headers.get("Idempotency-Key"),
                }
            )
            if stub.fail_with:
                self._send(stub.fail_with, {"error": {"type": "api_error", "message": "down"}})
                return
            if self.path == "/v1/checkout/sessions":
                key = self.headers.get("Idempotency-Key") or uuid.uuid4().hex
                session = stub.sessions.get(key)
                if session is None:
                    sid = f"cs_test_{uuid.uuid4().hex[:24]}"
                    session = {
                        "id": sid,
                        "object": "checkout.session",
                        "url": f"https://checkout.stripe.com/c/pay/{sid}",
                        "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                        "currency": form["line_items[0][price_data][currency]"],
                        "metadata": {"invoice_id": form.get("metadata[invoice_id]")},
                        "payment_status": "unpaid",
                        "mode": "payment",
                    }
                    stub.sessions[key] = session
                self._send(200, session)
                return
            self._send(404, {"error": {"type": "invalid_request_error", "message": "no route"}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", "req_test")
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture(autouse=True)
def stripe_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeStub]:
    stub = StripeStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("MINIMIN_STRIPE_API_BASE", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield stub
    server.shutdown()
    server.server_close()
