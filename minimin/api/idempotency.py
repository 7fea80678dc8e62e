"""``Idempotency-Key`` on POST: a retried request gets the first answer instead of doing the
thing twice.

The answer is stored per token and key in the same transaction as the change it reports, so it
exists exactly when the change does: a refused request (4xx, rolled back) stores nothing and a
retry runs again. The same key with another method, path or body is refused with 422. Answers
are kept for a day.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, request

from minimin.api.models import ApiIdempotentRequest, ApiToken
from minimin.api.problems import ApiProblem
from minimin.core.db import utcnow
from minimin.extensions import db

HEADER = "Idempotency-Key"
KEY_MAX = 255
KEPT_FOR = timedelta(hours=24)
#: Answer headers worth replaying.
REPLAYED_HEADERS = ("Location",)


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > KEY_MAX or not key.isprintable():
        raise ApiProblem(
            422,
            errors=[
                {
                    "field": HEADER,
                    "code": "invalid",
                    "detail": f"Use 1 to {KEY_MAX} printable characters.",
                }
            ],
        )
    return key


def _digest(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


def _request_digest() -> str:
    """Method, path and body; for a multipart upload (whose stream the form parser consumed)
    its fields and the bytes of each file."""
    digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(request.get_data())
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"{name}={value}\n".encode("utf-8", "surrogatepass"))
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        position = upload.stream.tell()
        upload.stream.seek(0)
        digest.update(name.encode() + b"\n" + hashlib.sha256(upload.stream.read()).digest())
        upload.stream.seek(position)
    return digest.hexdigest()


def _stored(token: ApiToken, key: str) -> ApiIdempotentRequest | None:
    return db.session.scalar(
        sa.select(ApiIdempotentRequest).where(
            ApiIdempotentRequest.token_id == token.id,
            ApiIdempotentRequest.key_digest == _digest(key.encode()),
            ApiIdempotentRequest.created_at > utcnow() - KEPT_FOR,
        )
    )


def replay(token: ApiToken) -> Response | None:
    """The stored answer to this key, or None when the request is to run."""
    key = _key()
    if key is None:
        return None
    stored = _stored(token, key)
    if stored is None:
        return None
    if stored.request_digest != _request_digest():
        raise ApiProblem(
            422,
            "This Idempotency-Key was used with another request.",
            errors=[{"field": HEADER, "code": "reused", "detail": "Use a new key."}],
        )
    response = Response(stored.body, status=stored.status, mimetype=stored.content_type)
    for name, value in stored.headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(token: ApiToken, response: Response) -> None:
    """Keep a successful answer under the request's key (if it sent one)."""
    key = _key()
    if key is None or response.status_code >= 400:
        return
    digest = _digest(key.encode())
    # An expired answer under the same key makes way (the pair is unique).
    db.session.execute(
        sa.delete(ApiIdempotentRequest).where(
            ApiIdempotentRequest.token_id == token.id,
            sa.or_(
                ApiIdempotentRequest.created_at <= utcnow() - KEPT_FOR,
                ApiIdempotentRequest.key_digest == digest,
            ),
        )
    )
    db.session.add(
        ApiIdempotentRequest(
            user_id=token.user_id,
            token_id=token.id,
            key_digest=digest,
            request_digest=_request_digest(),
            status=response.status_code,
            content_type=response.mimetype or "application/json",
            body=response.get_data(as_text=True),
            headers={h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers},
        )
    )
    db.session.flush()
