"""What every operation shares: rate limits per token, the OpenAPI document and its
documentation page, and that every page action has an API operation or a stated reason."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from minimin.api.operations import OPERATIONS
from minimin.core.security import access_class

#: Page actions (POST endpoints of the feature blueprints) with no API operation, and why: by
#: blueprint, or by action.
#: Account, privacy and admin actions are never reachable with a token (docs/api.md).
NEVER = {
    "accounts": "account settings and sign-in: never reachable with a token",
    "passkeys": "sign-in credentials: never reachable with a token",
    "privacy": "consent, export and deletion: never reachable with a token",
    "admin": "the admin area: never reachable with a token",
    "pages": "the browser's language and theme",
    "api_tokens": "tokens are made and revoked only on the account page",
    "payments": "connecting Stripe needs the owner in a browser",
    # Bank details are what an invoice tells clients to pay into: a token that could change
    # them could redirect the owner's income, so they are saved, removed and shown (after a
    # confirmation) only to the signed-in owner on the page; the API never sends them.
    "business.save_bank": "bank details are changed only by the signed-in owner on the page",
    "business.remove_bank": "bank details are changed only by the signed-in owner on the page",
    "business.reveal_bank": "bank details are shown only to the signed-in owner on the page",
    "business.setup": "the guided setup walks the pages; PATCH /business saves the same sections",
    "business.skip_setup": "the guided setup is a walk through the pages",
    "signing": "signatures need the signer in a browser; not in the API yet",
    "ai": "the AI assistant's suggestions are confirmed by the owner on its pages",
    "calendar": "a calendar feed's private link is shown once, to the owner on its page; the "
    "jobs an .ics file brings are reviewed there before they are made",
    "emaillog": "the email log is read on its page; sending again goes through each feature",
}
#: Feature actions the API does not offer yet (reads of the same records are offered).
NOT_YET: set[str] = set()


def _page_actions(app: Flask) -> set[str]:
    """POST endpoints of signed-in pages (the public pay page and webhooks are no action of
    the owner's)."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and not rule.endpoint.startswith("api.")
        and access_class(app, rule.endpoint) in ("user", "admin")
    }


def test_every_page_action_has_an_operation_or_a_reason(app: Flask) -> None:
    covered = {endpoint for op in OPERATIONS for endpoint in op.covers}
    actions = _page_actions(app)
    missing = sorted(
        e
        for e in actions
        if e not in covered
        and e not in NOT_YET
        and e not in NEVER  # an action with its own reason
        and e.split(".", 1)[0] not in NEVER
    )
    assert not missing, f"page actions with no API operation and no reason: {missing}"
    assert covered <= actions, f"operations cover unknown actions: {covered - actions}"
    stale = sorted(NOT_YET & covered) + sorted(NOT_YET - actions)
    assert not stale, f"NOT_YET lists actions that are covered or gone: {stale}"


def test_the_openapi_document_lists_every_operation(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    listed = {(m.upper(), p) for p, ms in document["paths"].items() for m in ms}
    for op in OPERATIONS:
        path = "/api/v1" + op.rule.replace("<", "{").replace(">", "}")
        assert (op.method, path) in listed
    invoice = document["components"]["schemas"]["InvoiceOut"]
    assert invoice["properties"]["total"]["$ref"].endswith("/Money")
    money = document["components"]["schemas"]["Money"]
    assert money["properties"]["amount"]["type"] == "string"


def test_the_documentation_page_is_served_here_with_no_script(client: Any) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "GET /api/v1/invoices" in page
    assert "invoices:write" in page
    assert 'id="problem-invalid"' in page
    assert "<script" not in page.split("</header>", 1)[-1]
    assert "http://" not in page and "https://" not in page


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"MINIMIN_API_RATE_LIMIT": "3/minute"}


def test_rate_limit_per_token_with_headers_and_429(api_for: Any) -> None:
    first, second = api_for(), api_for()
    answers = [first.get("/api/v1/invoices") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].headers["RateLimit-Policy"] == '"token";q=3;w=60'
    assert answers[0].headers["RateLimit"].startswith('"token";r=2;t=')
    assert answers[2].headers["RateLimit"].startswith('"token";r=0;t=')
    refused = first.get("/api/v1/invoices")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    # Another token has its own allowance.
    assert second.get("/api/v1/invoices").status_code == 200
