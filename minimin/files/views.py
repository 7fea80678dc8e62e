"""The owner-checked download route: the only way a stored file leaves the server."""

from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Blueprint, Response, abort, request

from minimin.core.security import SANDBOX_CSP, USER, classify_blueprint
from minimin.core.storage import FileMissing, storage
from minimin.core.tenancy import owned_or_404
from minimin.files.models import StoredFile

log = logging.getLogger(__name__)

bp = Blueprint("files", __name__)
classify_blueprint(bp, USER)

#: Types a browser may show inline (pixels only, re-encoded by us); everything else downloads.
INLINE_TYPES = ("image/png", "image/jpeg", "image/webp")


def content_disposition(kind: str, filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@bp.route("/files/<file_id>")
def download(file_id: str) -> Response:
    stored = owned_or_404(StoredFile, file_id)
    try:
        data = storage().read(stored.storage_key)
    except FileMissing:
        log.error("stored file %s has no bytes under its key", stored.id)
        abort(404)
    inline = stored.content_type in INLINE_TYPES and request.args.get("download") != "1"
    response = Response(data, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", stored.filename
    )
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
