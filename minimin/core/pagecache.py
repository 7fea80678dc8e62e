"""Kept pages: a page rendered once and served again, unchanged but for its CSRF token, while
nothing it shows can have changed.

The most visited pages (the sign-in page, the invoice and job lists) are read far more often
than anything behind them changes, and rendering them cost most of each request. A kept page
is served instead of running the view while all of these are the same as when it was rendered:

- the page (endpoint and full path, query string included) and the reader's language, theme
  and London day;
- the reader: nobody signed in, or the same user with every change counter of theirs
  (:mod:`minimin.core.changes`) where it was, and no change of their own pending in this
  request;
- no message waiting to be flashed.

Only a GET answered 200 with the HTML a view returned as text is kept; a view that answers
anything else (a redirect, an error, a response object with its own headers or cookies) is run
every time. A view may only be kept if it writes nothing and reads nothing but the records its
counters cover: :func:`kept_page` is put on such views one by one, each with a test.

The CSRF token is the one part of such a page that differs per visitor. The page is rendered
with a placeholder in its place, and each answer puts the visitor's own token there (created
in their session exactly as rendering the form would).

Pages are kept per application and process (each worker its own), at most ``KEPT_PAGES`` of
them for at most ``KEPT_SECONDS``, the least recently used going first; a change committed by
any process raises the counter in the database, so no process serves a page older than the
records it shows.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

from cachetools import TTLCache
from flask import Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from minimin.core import changes
from minimin.core.dates import uk_today
from minimin.core.i18n import current_theme
from minimin.core.templating import current_locale
from minimin.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

#: Pages kept per process: about 30 to 60 kB each, so a few megabytes at most.
KEPT_PAGES = 256
#: No page is kept longer than this, so a deleted account's pages leave memory soon after it.
KEPT_SECONDS = 600
#: Flask's session key of the messages waiting to be flashed.
_FLASHES = "_flashes"


class _Pages:
    """One application's kept pages, shared by the threads of its process."""

    def __init__(self) -> None:
        self._items: TTLCache[Hashable, str] = TTLCache(maxsize=KEPT_PAGES, ttl=KEPT_SECONDS)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Hashable, page: str) -> None:
        with self._lock:
            self._items[key] = page


def _pages() -> _Pages:
    # Per application: what a page shows also depends on the application's configuration.
    pages: _Pages | None = current_app.extensions.get("minimin_kept_pages")
    if pages is None:
        pages = current_app.extensions.setdefault("minimin_kept_pages", _Pages())
    return pages


#: What stands for the CSRF token in a kept page: random per process, letters and digits only,
#: so escaping leaves it as it is and no page's own text can contain it by chance.
_TOKEN_SLOT = "csrf-slot-" + secrets.token_hex(16)


def kept_page(view: F) -> F:
    """Serve *view*'s page again while nothing it shows can have changed (see the module)."""

    @wraps(view)
    def keep(*args: Any, **kwargs: Any) -> Any:
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        pages = _pages()
        page = pages.get(key)
        if page is None:
            result = _render(view, args, kwargs)
            if not isinstance(result, str):
                return _with_token(result)
            page = result
            pages.put(key, page)
        return page.replace(_TOKEN_SLOT, generate_csrf())

    return keep  # type: ignore[return-value]


def _key() -> Hashable | None:
    """The page's key, or None when this request's page must be rendered afresh."""
    if request.method != "GET" or _FLASHES in session:
        return None
    if not current_app.config.get("MINIMIN_KEEP_PAGES", True):
        return None
    reader: Hashable = None
    if current_user.is_authenticated:
        user_id: uuid.UUID = current_user.id
        versions = changes.versions(db.session, user_id)
        if versions is None:
            return None
        reader = (user_id, versions)
    return (
        request.endpoint,
        request.full_path,
        current_locale(),
        current_theme(),
        uk_today(),
        reader,
    )


def _render(view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """The view's page with the token's placeholder as text when it is a page to keep, else
    the view's answer as it gave it (still holding the placeholder: see :func:`_with_token`)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    had_token = field in g
    saved = g.get(field)
    setattr(g, field, _TOKEN_SLOT)
    try:
        result = view(*args, **kwargs)
    finally:
        if had_token:
            setattr(g, field, saved)
        else:
            g.pop(field, None)
    if isinstance(result, tuple) and len(result) == 2 and result[1] == 200:
        return result[0] if isinstance(result[0], str) else result
    return result


def _with_token(result: Any) -> Any:
    """An answer not kept (an error page with its status, a response object), the visitor's
    token in place of the placeholder wherever the view rendered one."""
    if isinstance(result, tuple) and result and isinstance(result[0], str):
        return (result[0].replace(_TOKEN_SLOT, generate_csrf()), *result[1:])
    if (
        isinstance(result, Response)
        and not result.direct_passthrough
        and result.mimetype == "text/html"
    ):
        body = result.get_data(as_text=True)
        if _TOKEN_SLOT in body:
            result.set_data(body.replace(_TOKEN_SLOT, generate_csrf()))
    return result


__all__ = ["KEPT_PAGES", "KEPT_SECONDS", "kept_page"]
