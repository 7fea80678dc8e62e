"""Locust users for :mod:`benchmarks.load`: signed-in sole traders doing a day's bookkeeping.

Each simulated user signs in once with an account of its own (listed in the JSON file named by
``MINIMIN_LOAD_ACCOUNTS``), then, with a pause of one to five seconds between actions (a person
reading the page), looks at the dashboard and the lists most, creates jobs and invoices now
and then, downloads an invoice PDF, reads a report, and sometimes imports a small bank
statement (the import runs in the Celery worker).

The server runs in production mode behind no proxy, so the requests say what a TLS proxy would
(``X-Forwarded-Proto: https``, with ``MINIMIN_TRUSTED_PROXIES=1``) and the session's secure
cookies are sent back over loopback HTTP.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import re
from datetime import date, timedelta
from typing import Any

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SELECT = r'<select[^>]*name="{name}"[^>]*>(.*?)</select>'
CHOSEN = re.compile(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected')
MAPPING = ("date", "description", "amount", "money_in", "money_out", "counterparty", "reference")

with open(os.environ["MINIMIN_LOAD_ACCOUNTS"]) as _fh:
    ACCOUNTS: list[dict[str, Any]] = json.load(_fh)
_NEXT = itertools.count()


def _secure_over_loopback(self: Any, cookie: Any, request: Any) -> bool:
    """Send ``Secure`` cookies over plain HTTP: the TLS proxy is left out of the benchmark.

    Set on the standard policy class, in this load-generating process only: requests copies
    the session's cookies into a new jar (with the default policy) for every request.
    """
    return True


http.cookiejar.DefaultCookiePolicy.return_ok_secure = _secure_over_loopback  # type: ignore[method-assign]


class Trader(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.account = ACCOUNTS[next(_NEXT) % len(ACCOUNTS)]
        self.client.headers.update({"X-Forwarded-Proto": "https"})
        self.rng = random.Random(self.account["email"])
        self.post(
            "/login",
            {"email": self.account["email"], "password": self.account["password"]},
            name="sign in",
        )

    # ------------------------------------------------------------------ helpers

    def token(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            match = CSRF.search(response.text or "")
            if response.status_code != 200 or not match:
                response.failure(f"no form on {path}: {response.status_code}")
                return ""
            return match.group(1)

    def post(self, path: str, data: dict[str, Any], name: str, **kwargs: Any) -> Any:
        data = {"csrf_token": self.token(kwargs.pop("form_page", path), name + " (form)"), **data}
        headers = {"Referer": f"https://{self.host.split('://', 1)[1]}{path}"}
        with self.client.post(
            path,
            data=data,
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name}: {response.status_code}")
            return response

    # ------------------------------------------------------------------ what people do

    @task(6)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(4)
    def invoices(self) -> None:
        self.client.get("/invoices", name="invoices list")

    @task(3)
    def jobs(self) -> None:
        self.client.get("/jobs", name="jobs list")

    @task(1)
    def clients(self) -> None:
        self.client.get("/clients", name="clients list")

    @task(2)
    def new_job(self) -> None:
        day = date(2026, 1, 5) + timedelta(days=self.rng.randrange(300))
        self.post(
            "/jobs/new",
            {
                "action": "save",
                "title": f"Shoot {self.rng.randrange(10_000)}",
                "client_id": self.account["client_id"],
                "currency": "GBP",
                "location": "London",
                "dates-0-day": day.isoformat(),
                "fee_lines-0-kind": "day_rate",
                "fee_lines-0-description": "Shoot day",
                "fee_lines-0-quantity": "1",
                "fee_lines-0-unit_amount": str(self.rng.randrange(300, 1500)),
            },
            name="create job",
        )

    @task(2)
    def new_invoice(self) -> None:
        self.post(
            "/invoices/new",
            {
                "bill_to": f"client:{self.account['client_id']}",
                "currency": "GBP",
                "lines-0-description": "Shoot day",
                "lines-0-quantity": "1",
                "lines-0-unit_price": str(self.rng.randrange(300, 1500)),
                "lines-0-vat_treatment": "standard",
            },
            name="create invoice",
        )

    @task(1)
    def invoice_pdf(self) -> None:
        invoice = self.rng.choice(self.account["invoice_ids"])
        self.client.get(f"/invoices/{invoice}/pdf", name="invoice PDF")

    @task(1)
    def profit_and_loss(self) -> None:
        self.client.get("/reports/profit-and-loss", name="profit and loss")

    @task(1)
    def tax_year(self) -> None:
        self.client.get("/reports/tax-year", name="tax-year report")

    @task(1)
    def bank_import(self) -> None:
        account = self.account["bank_account_id"]
        path = f"/banking/accounts/{account}/import"
        lines = ["Date,Description,Amount"]
        for _ in range(20):
            day = date(2026, 1, 1) + timedelta(days=self.rng.randrange(300))
            pence = self.rng.randrange(-20_000, 50_000)
            lines.append(
                f"{day:%d/%m/%Y},Card payment {self.rng.randrange(10**6)},{pence / 100:.2f}"
            )
        statement = ("\n".join(lines) + "\n").encode()
        upload = self.post(
            path,
            {},
            name="bank import: upload",
            files={"statement": ("statement.csv", statement, "text/csv")},
        )
        columns = upload.headers.get("Location", "")
        if "/columns" not in columns:
            return
        columns = "/" + columns.split("/", 3)[3] if columns.startswith("http") else columns
        page = self.client.get(columns, name="bank import: columns").text
        form = {"remember": "y", "date_order": "dmy"}
        for name in MAPPING:
            select = re.search(SELECT.format(name=name), page, re.S)
            chosen = CHOSEN.search(select.group(1)) if select else None
            form[name] = (chosen.group(1) or chosen.group(2) or "") if chosen else ""
        self.post(columns, form, name="bank import: confirm")
