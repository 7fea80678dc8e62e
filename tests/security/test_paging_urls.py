"""Every paged list answers a hand-edited ``page`` argument with a page, never an error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.admin.test_admin import BASE_URL, admin_client, views  # noqa: F401

HOSTILE_PAGES = ["²", "٣", "１", "NaN", "-1", "0", "9" * 400, "\x00", ""]
USER_LISTS = [
    "/jobs",
    "/jobs/to-invoice",
    "/expenses/",
    "/invoices",
    "/clients",
    "/agencies",
    "/banking/",
    "/ledger/general-ledger",
]
ADMIN_LISTS = ["/admin/accounts", "/admin/log"]


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": BASE_URL}


@pytest.mark.parametrize("page", HOSTILE_PAGES)
def test_user_lists_answer_any_page(client: Any, make_user: Any, login: Any, page: str) -> None:
    login(client, make_user())
    for path in USER_LISTS:
        response = client.get(path, query_string={"page": page})
        assert response.status_code == 200, (path, page, response.status_code)


def test_admin_lists_answer_any_page(admin_client: Any) -> None:  # noqa: F811
    for path in ADMIN_LISTS:
        for page in HOSTILE_PAGES:
            response = admin_client.get(path, query_string={"page": page})
            assert response.status_code == 200, (path, page, response.status_code)
