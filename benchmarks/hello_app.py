"""The baseline: a bare Flask application with the same two URLs, doing nothing.

The ratio of Minimin's throughput to this one's shows what Minimin's own work costs (database
check, sessions, CSRF token, templates, security headers) on the same server and machine.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask(__name__)

LOGIN_PAGE = (
    "<!doctype html><html lang=en><title>Sign in</title>"
    "<form method=post><label>Email <input name=email></label>"
    "<label>Password <input name=password type=password></label>"
    "<button>Sign in</button></form></html>"
)


@app.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@app.get("/login")
def login() -> str:
    return LOGIN_PAGE
