"""Translation in templates: the callables bound once per render give exactly what
Flask-Babel's own template callables give, escaping included, in English and Welsh."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, render_template_string

from minimin.app import create_app

TEMPLATES = [
    "{{ _('Jobs') }}",
    "{{ gettext('Invoices') }}",
    "{{ _('gross %(amount)s', amount='<b>£1</b>') }}",
    "{{ ngettext('%(num)d job', '%(num)d jobs', 1) }}",
    "{{ ngettext('%(num)d job', '%(num)d jobs', 7) }}",
    "{{ _('A string with no translation <i>at all</i>') }}",
    "{% autoescape false %}{{ _('gross %(amount)s', amount='<b>') }}{% endautoescape %}",
]


@pytest.fixture(scope="module")
def i18n_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("i18n")
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'unused.sqlite3'}"},
        mode="testing",
        instance_path=Path(instance),
    )


@pytest.mark.parametrize("locale", ["en_GB", "cy"])
@pytest.mark.parametrize("source", TEMPLATES)
def test_bound_callables_match_flask_babel(i18n_app: Flask, locale: str, source: str) -> None:
    with i18n_app.test_request_context("/", headers={"Cookie": f"lang={locale}"}):
        # render_template_string runs the context processors (the bound callables); a bare
        # environment render sees only the globals Flask-Babel installed.
        bound = render_template_string(source)
        reference = i18n_app.jinja_env.from_string(source).render()
    assert bound == reference


def test_welsh_is_translated_and_variables_escaped(i18n_app: Flask) -> None:
    with i18n_app.test_request_context("/", headers={"Cookie": "lang=cy"}):
        jobs = render_template_string("{{ _('Jobs') }}")
        amount = render_template_string("{{ _('gross %(amount)s', amount='<b>') }}")
    assert jobs and jobs != "Jobs"
    assert "&lt;b&gt;" in amount and "<b>" not in amount


def test_page_templates_use_the_bound_callables(i18n_app: Flask) -> None:
    from minimin.core.i18n import _translation_context

    with i18n_app.test_request_context("/"):
        context = {}
        for processor in i18n_app.template_context_processors[None]:
            context.update(processor())
    assert context["_"] is not i18n_app.jinja_env.globals["_"]
    assert set(_translation_context()) <= set(context)


def test_label_lookup_translates_each_code_once_per_render(i18n_app: Flask) -> None:
    from flask_babel import lazy_gettext

    from minimin.core.i18n import label_lookup

    calls: list[str] = []

    class Counted:
        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            calls.append(self.text)
            return str(lazy_gettext(self.text))

    with i18n_app.test_request_context("/", headers={"Cookie": "lang=cy"}):
        label = label_lookup({"paid": Counted("Paid"), "draft": Counted("Draft")})
        shown = [label("paid") for _ in range(50)] + [label("draft"), label("unknown")]
    assert calls == ["Paid", "Draft"]
    assert shown[0] != "Paid" and len(set(shown[:50])) == 1  # Welsh, and the same each time
    assert shown[-1] == "unknown"
