"""The web kit: the few pieces every view and form needs, defined once.

A feature's ``views.py`` and ``forms.py`` import these from here and never declare their own
(docs/design-rules.md, "The web kit"):

- :data:`ViewResult`, what a page view returns: a rendered page, a redirect or a page with a
  status;
- :class:`ConfirmForm`, a button whose CSRF token is its only field (delete, revoke, post);
- :func:`page_number`, the page a list's query string asks for (ASCII digits only, between 1
  and :data:`MAX_PAGE`), with :func:`page_count` and :func:`page_offset` for the list's
  pager and its query;
- :func:`apply_user_error`, the one way a service's :class:`UserError` is shown on a form;
- :class:`MoneyField`, the one money input: what people type ("1,200", "£1,200.50") read
  exactly into the currency's minor units, NaN, exponents, non-ASCII digits and absurd amounts
  refused with a specific message;
- :func:`problem_response` and :func:`user_error_problem`, the one JSON error shape (RFC 9457
  problem details) for the API and for the pages' own JSON endpoints.
"""

from __future__ import annotations

from typing import TypeAlias

from werkzeug.wrappers import Response

from minimin.core.errors import PROBLEM_MEDIA_TYPE, problem_response, user_error_problem
from minimin.core.forms import ConfirmForm, MoneyField, apply_user_error
from minimin.core.paging import MAX_PAGE, page_count, page_number, page_offset, parse_page
from minimin.core.user_error import UserError

#: What a page view returns: a rendered page, a response (a redirect, a file; Werkzeug's
#: class, so Flask's responses and ``redirect()``'s both fit) or a rendered page with its
#: status (a refused form answers 400, so the request rolls back).
ViewResult: TypeAlias = Response | str | tuple[str, int]

__all__ = [
    "MAX_PAGE",
    "PROBLEM_MEDIA_TYPE",
    "ConfirmForm",
    "MoneyField",
    "UserError",
    "ViewResult",
    "apply_user_error",
    "page_count",
    "page_number",
    "page_offset",
    "parse_page",
    "problem_response",
    "user_error_problem",
]
