"""The PDF reader's child process: its CPU-time and memory limits end a pathological file as
"could not read", and what it answers is checked plain data."""

from __future__ import annotations

import io
import zlib

import pikepdf
import pytest

from minimin.remittances.parsers.sandbox import (
    Limits,
    ReaderFailed,
    from_json,
    read_pdf_limited,
    to_json,
)
from tests.functional.remittances.test_pdf_reading import stroke_bomb
from tests.unit.remittances.test_pdf_parser import ROWS, TOTALS, pdf, table


def test_a_remittance_is_read_in_the_child_with_its_problems(app) -> None:
    data = pdf(TOTALS + table(ROWS.replace("500.00", "5OO.00")) + "<p>Total net: £1,200.00</p>")
    with app.test_request_context():
        result = read_pdf_limited(data)
        assert [ln.net_pence for ln in result.lines] == [82000]
        assert result.reference == "RA-2025-014"
        [problem] = [str(p) for p in result.problems]
        assert "Row 3" in problem and "page 1" in problem
        # A round trip through plain data keeps everything.
        again = from_json(to_json(result))
        assert again.lines == result.lines and [str(p) for p in again.problems] == [problem]


def test_the_cpu_limit_ends_a_slow_file() -> None:
    # Under the content cap, over the object cap: laying it out takes many CPU seconds.
    with pytest.raises(ReaderFailed):
        read_pdf_limited(stroke_bomb(60_000), Limits(cpu_seconds=1))


def test_the_memory_limit_ends_a_decompression_bomb() -> None:
    """A content stream of 512 MB of zeros, half a megabyte compressed, in a reader allowed
    384 MB (without the limit it is refused by the content cap, a RemittanceParseError)."""
    squeeze = zlib.compressobj(1)
    block = b"\x00" * (16 * 1024 * 1024)
    packed = b"".join(squeeze.compress(block) for _ in range(32)) + squeeze.flush()
    document = pikepdf.new()
    document.add_blank_page()
    stream = pikepdf.Stream(document, packed)
    stream.Filter = pikepdf.Name.FlateDecode
    document.pages[0].Contents = document.make_indirect(stream)
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(ReaderFailed):
        read_pdf_limited(out.getvalue(), Limits(memory_bytes=384 * 1024 * 1024))


def test_the_wall_clock_limit_ends_a_reader_that_hangs() -> None:
    with pytest.raises(ReaderFailed, match="timeout"):
        read_pdf_limited(stroke_bomb(60_000), Limits(wall_seconds=0.5))


@pytest.mark.parametrize(
    "answer",
    [
        {"lines": [{"gross_pence": "1e9"}]},
        {"lines": [{"gross_pence": 10**15}]},
        {"lines": [], "date": "not a date"},
        {"lines": [], "problems": [{"message": {"text": "x", "params": [1]}}]},
        {"lines": "abc"},
    ],
)
def test_a_subverted_readers_answer_is_refused(answer) -> None:
    with pytest.raises((ValueError, TypeError, KeyError, AttributeError)):
        from_json(answer)


def test_a_message_that_does_not_fit_its_parameters_is_shown_as_text(app) -> None:
    parsed = from_json({"lines": [], "problems": [{"message": {"text": "%(a)s", "params": {}}}]})
    with app.test_request_context():
        assert str(parsed.problems[0]) == "%(a)s"
