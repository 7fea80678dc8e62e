"""CSRF: every unsafe route refuses a request without a token, or with another session's token
(docs/security.md, "Access control").

The routes come from ``app.url_map``, so routes added later are covered without editing this
file. The only routes allowed to skip CSRF are the ``@webhook`` ones (they prove themselves by a
signature), the JSON API (it reads no cookie: only a bearer token authenticates it, so a
cookie-authenticated write is refused) and the short, explicit list below; a test fails if
anything else is exempted.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import Rule

from minimin.core.security import API, WEBHOOK, access_class
from tests.security.routes import placeholder_url

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")

#: Endpoints deliberately without CSRF that are not webhooks, with the reason.
EXPLICITLY_EXEMPT = {
    # RFC 8058 one-click unsubscribe: the mail provider POSTs without any session; the
    # unguessable token in the URL is the authority, and all it can do is unsubscribe.
    "accounts.unsubscribe": "RFC 8058 one-click unsubscribe",
}


def _url(app: Flask, rule: Rule) -> str:
    return placeholder_url(app, rule, next(m for m in UNSAFE if m in (rule.methods or ())))


def _is_exempt_view(app: Flask, endpoint: str) -> bool:
    from minimin.extensions import csrf

    view = app.view_functions[endpoint]
    name = f"{view.__module__}.{view.__name__}"
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0]) if "." in endpoint else None
    return name in csrf._exempt_views or (
        blueprint is not None and blueprint.name in csrf._exempt_blueprints
    )


def unsafe_routes(app: Flask) -> list[tuple[Rule, str]]:
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in UNSAFE
        if method in (rule.methods or ())
        and access_class(app, rule.endpoint) not in (WEBHOOK, API)
        and rule.endpoint not in EXPLICITLY_EXEMPT
    ]


def test_csrf_exemptions_are_only_webhooks_and_the_explicit_list(app: Flask) -> None:
    exempt = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if _is_exempt_view(app, rule.endpoint)
        and access_class(app, rule.endpoint) not in (WEBHOOK, API)
        and rule.endpoint not in EXPLICITLY_EXEMPT
    )
    assert not exempt, f"CSRF-exempt routes that are not webhooks: {exempt}"


def test_every_unsafe_route_refuses_missing_and_foreign_tokens(
    app: Flask, make_user, login
) -> None:
    routes = unsafe_routes(app)
    assert len(routes) > 5  # the walk found the application's forms

    client = app.test_client()
    login(client, make_user(email="victim@example.com"))
    client.csrf_token("/account")  # the victim's session has its own token
    attacker = app.test_client()
    login(attacker, make_user(email="attacker@example.com"))
    foreign_token = attacker.csrf_token("/account")

    failures = []
    for rule, method in routes:
        url = _url(app, rule)
        for label, data in (
            ("no token", {"name": "x", "email": "x@example.com"}),
            ("another session's token", {"name": "x", "csrf_token": foreign_token}),
        ):
            response = client.open(url, method=method, data=data)
            if response.status_code != 400:
                failures.append(f"{method} {url} with {label}: {response.status_code}")
            elif "expired or was not sent from Minimin" not in response.get_data(as_text=True):
                failures.append(f"{method} {url} with {label}: 400 but not a CSRF refusal")
        # A JSON body or an X-CSRFToken header from elsewhere is no better.
        response = client.open(
            url, method=method, json={"name": "x"}, headers={"X-CSRFToken": foreign_token}
        )
        if response.status_code != 400:
            failures.append(f"{method} {url} with a foreign header token: {response.status_code}")
    report = "\n".join(failures)
    assert not failures, f"unsafe routes accepted without a valid CSRF token:\n{report}"

    # The victim is still signed in: the refused requests did nothing (logout included).
    assert client.get("/account").status_code == 200


def test_the_victims_own_token_is_accepted(app: Flask, make_user, login) -> None:
    """The refusals above are about the token, not the route: with the right token it works."""
    client = app.test_client()
    login(client, make_user())
    response = client.submit("/logout", {}, form_page="/account")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # signed out now


def test_cookie_authenticated_api_writes_are_refused(app: Flask, make_user, login) -> None:
    """The API is CSRF-exempt because a session cookie never authenticates it: a signed-in
    browser's write to any API route, with or without a CSRF token, is 401 and changes
    nothing."""
    client = app.test_client()
    login(client, make_user())
    token = client.csrf_token("/account")
    routes = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in UNSAFE
        if method in (rule.methods or ()) and access_class(app, rule.endpoint) == API
    ]
    assert routes, "no API write route found"
    failures = []
    for rule, method in routes:
        url = placeholder_url(app, rule, method)
        for headers in ({}, {"X-CSRFToken": token}):
            response = client.open(url, method=method, json={"name": "x"}, headers=headers)
            if response.status_code != 401:
                failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "API writes accepted with a cookie:\n" + "\n".join(failures)
