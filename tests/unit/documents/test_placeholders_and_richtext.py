"""Placeholder substitution is one pass with escaped values (a value never becomes markup or a
placeholder); unknown names are reported; rich text keeps only the allowed tags."""

from __future__ import annotations

from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from minimin.documents import placeholders, richtext


def test_substitute_escapes_and_does_not_reread_values() -> None:
    text = "<p>{client_name} / {job_title} / {missing_value}</p>"
    out = placeholders.substitute(
        text, {"client_name": "<b>Acme</b> & Co", "job_title": "{fee}", "fee": "£1"}
    )
    assert out == "<p>&lt;b&gt;Acme&lt;/b&gt; &amp; Co / {fee} / {missing_value}</p>"


def test_unknown_names_are_listed_once_in_order() -> None:
    assert placeholders.unknown("{foo} {client_name} {bar} {foo}") == ["foo", "bar"]
    assert placeholders.unknown("{client_name} {usage_expiry}") == []


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_any_value_comes_out_as_text(value: str) -> None:
    out = placeholders.substitute("{client_name}", {"client_name": value})
    assert out == escape(value)


def test_richtext_keeps_only_the_allowed_set() -> None:
    html = (
        '<h2 style="x">T</h2><p onclick="y">a <strong>b</strong> <em>c</em></p>'
        '<ul><li>d</li></ul><a href="https://e.example">e</a><a href="javascript:f()">f</a>'
        '<img src="https://t.example/p.gif"><script>g()</script><iframe></iframe>'
    )
    out = richtext.clean(html)
    assert out.startswith("<h2>T</h2><p>a <strong>b</strong> <em>c</em></p><ul><li>d</li></ul>")
    assert 'href="https://e.example"' in out and "noopener" in out
    for bad in ("style", "onclick", "javascript", "<img", "<script", "g()", "<iframe"):
        assert bad not in out


def test_plain_text_becomes_paragraphs() -> None:
    assert richtext.normalise("One & a\nline\n\nTwo") == "<p>One &amp; a<br>line</p><p>Two</p>"
