"""Active content in PDFs is found however it is spelt: escaped names, names run into ``>>``,
objects hidden in compressed object streams (minimin.core.pdfcheck through validate_pdf)."""

from __future__ import annotations

import io

import pikepdf
import pytest

from minimin.core.pdfcheck import Verdict, inspect_pdf
from minimin.core.uploads import UploadError, validate_pdf
from tests.unit.business import images

ACTIVE = "active content"


def refused_message(data: bytes) -> str:
    with pytest.raises(UploadError) as caught:
        validate_pdf(data)
    return caught.value.message


def catalog(entries: bytes) -> bytes:
    """A one-page PDF whose catalogue carries *entries*."""
    return images.pdf().replace(b"/Type /Catalog", b"/Type /Catalog " + entries)


def compressed(build) -> bytes:
    """A PDF made by qpdf with every object packed into compressed object streams, so that no
    name of it appears in the file's bytes."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    build(pdf)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue()


EVASIONS = {
    # JavaScript
    "javascript escaped": catalog(b"/OpenAction << /S /Java#53cript /J#53 (app.alert(1)) >>"),
    "javascript before >>": images.pdf(extra=b"/Foo << /S /JavaScript>> "),
    "js key escaped": images.pdf(extra=b"/Foo << /#4a#53 (app.alert(1))>> "),
    "javascript name tree": catalog(b"/Names << /JavaScript << /Names [(a) 2 0 R] >> >>"),
    # Launch
    "launch escaped": images.pdf(extra=b"/Foo << /S /Launc#68 /F (cmd.exe)>> "),
    "launch before >>": images.pdf(extra=b"/Foo << /F (cmd.exe) /S /Launch>> "),
    # OpenAction with an action (a plain "open at page 1" destination is fine)
    "openaction submitform": catalog(b"/OpenAction << /S /SubmitForm /F (https://x.test) >>"),
    "openaction uri": catalog(b"/OpenAction<</S/URI/URI(https://x.test)>>"),
    "page additional actions": images.pdf(extra=b"/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >> "),
    # EmbeddedFile
    "embedded file escaped": catalog(b"/Names << /Embedded#46iles << /Names [] >> >>"),
    "embedded file type": images.pdf(extra=b"/Foo << /Type /EmbeddedFile>> "),
    "file attachment annotation": images.pdf(extra=b"/Annots [<< /Subtype /FileAttachment >>] "),
    # RichMedia
    "rich media": images.pdf(extra=b"/Annots [<< /Subtype /Rich#4dedia >>] "),
    # XFA
    "xfa escaped": catalog(b"/AcroForm << /Fields [] /#58FA (x) >>"),
    "xfa before >>": catalog(b"/AcroForm << /Fields [] /XFA>> "),
}


@pytest.mark.parametrize("data", EVASIONS.values(), ids=EVASIONS.keys())
def test_active_content_is_refused_however_it_is_spelt(data):
    assert inspect_pdf(data).verdict is Verdict.ACTIVE
    assert ACTIVE in refused_message(data)


def _names_javascript(pdf: pikepdf.Pdf) -> None:
    action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)"))
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), action]))
    )


def _open_launch(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F="calc.exe")


def _embedded(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["a.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ payload", filename="a.exe")


def _xfa(pdf: pikepdf.Pdf) -> None:
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pikepdf.String("<xdp/>"))


@pytest.mark.parametrize(
    ("build", "hidden"),
    [
        (_names_javascript, b"JavaScript"),
        (_open_launch, b"Launch"),
        # The file's own stream cannot be packed, but the name tree that lists it is.
        (_embedded, b"EmbeddedFiles"),
        (_xfa, b"XFA"),
    ],
)
def test_active_content_inside_compressed_object_streams_is_found(build, hidden):
    data = compressed(build)
    assert hidden not in data  # invisible to a byte search
    assert ACTIVE in refused_message(data)


def test_ordinary_pdfs_pass():
    plain = images.pdf(pages=2)
    opens_at_page_one = catalog(b"/OpenAction [3 0 R /Fit]")
    goto_action = catalog(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>")
    link = images.pdf(
        extra=b"/Annots [<< /Subtype /Link /A << /S /URI /URI (https://x.test) >> >>] "
    )
    for data in (plain, opens_at_page_one, goto_action, link, compressed(lambda pdf: None)):
        assert validate_pdf(data).data == data


def test_encrypted_pdf_is_refused_even_with_an_empty_password():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user=""))
    assert "password-protected" in refused_message(out.getvalue())


def test_a_structure_bomb_is_refused_without_walking_it(monkeypatch):
    monkeypatch.setattr("minimin.core.pdfcheck.MAX_OBJECTS", 3)
    assert "too complex" in refused_message(images.pdf(pages=3))
