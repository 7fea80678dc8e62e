"""Upload validation: type from content, bombs, polyglots, truncation, metadata, PDFs, names."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from minimin.core import uploads
from minimin.core.uploads import UploadError, display_filename, sniff, validate_image, validate_pdf
from tests.unit.business import images


@pytest.fixture(autouse=True)
def _app_context(app_context_for_babel):
    """Messages are lazy strings; rendering them needs an app (no database)."""


@pytest.fixture
def app_context_for_babel(tmp_path):
    from minimin.app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://"},
        mode="testing",
        instance_path=tmp_path / "instance",
    )
    with app.test_request_context():
        yield


def refused(data: bytes, fn=validate_image) -> UploadError:
    with pytest.raises(UploadError) as info:
        fn(data)
    return info.value


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (images.png(), "image/png"),
        (images.jpeg(), "image/jpeg"),
        (images.webp(), "image/webp"),
        (images.pdf(), "application/pdf"),
        (images.SVG, "image/svg+xml"),
        (b"\xef\xbb\xbf  <svg/>", "image/svg+xml"),
        (b"GIF89a....", "image/gif"),
        (b"hello", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes(data, kind):
    assert sniff(data) == kind


@pytest.mark.parametrize("make", [images.png, images.jpeg, images.webp])
def test_clean_images_are_reencoded_in_their_format(make):
    clean = validate_image(make())
    assert clean.content_type == sniff(make())
    with Image.open(io.BytesIO(clean.data)) as img:
        img.load()
        assert img.size == (64, 48)


def test_large_images_are_scaled_to_2000_px():
    clean = validate_image(images.png(4000, 1000))
    assert (clean.width, clean.height) == (2000, 500)


def test_exif_and_gps_are_removed():
    original = images.jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry GPS
    clean = validate_image(original)
    with Image.open(io.BytesIO(clean.data)) as img:
        exif = img.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert len(exif) == 0
    assert b"SecretCameraMaker" not in clean.data and b"Exif" not in clean.data


def test_png_text_chunks_are_removed():
    clean = validate_image(images.png_with_text("my home address"))
    assert b"my home address" not in clean.data


def test_orientation_is_applied_before_stripping():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise on display
    out = io.BytesIO()
    Image.new("RGB", (60, 20), "red").save(out, "JPEG", exif=exif)
    clean = validate_image(out.getvalue())
    assert (clean.width, clean.height) == (20, 60)


def test_svg_is_refused():
    error = refused(images.SVG)
    assert error.status == 415 and "SVG" in error.message


@pytest.mark.parametrize(
    "data",
    [
        b"just some text pretending to be a png",
        b"GIF89a" + b"\x00" * 100,
        images.pdf(),
        b"MZ\x90\x00" + b"\x00" * 200,
    ],
)
def test_wrong_types_are_refused_as_415(data):
    assert refused(data).status == 415


def test_wrong_magic_with_garbage_is_refused():
    error = refused(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)
    assert error.status == 400 and "damaged" in error.message


@pytest.mark.parametrize(
    "data",
    [
        images.png() + images.zip_bytes(),  # PNG + ZIP (a "GIFAR"-style polyglot)
        images.jpeg() + images.zip_bytes(),
        images.webp() + b"<html><script>alert(1)</script></html>",
        images.png_with_text("<script>alert(1)</script>"),
        images.png() + b"%PDF-1.4 trailing document",
        images.jpeg() + b"\x00MZ\x90\x00 an executable",
    ],
)
def test_polyglots_are_refused(data):
    error = refused(data)
    assert "not part of the picture" in error.message


@pytest.mark.parametrize("make", [images.png, images.jpeg, images.webp])
def test_truncated_images_are_refused(make):
    data = make(300, 300) if make is not images.webp else images.webp(300, 300)
    error = refused(data[: len(data) * 2 // 3])
    assert "damaged or incomplete" in error.message


def test_pixel_bomb_header_is_refused():
    error = refused(images.png_header_only(30000, 30000))
    assert "too many pixels" in error.message


def test_pixel_bomb_warning_level_is_an_error():
    # Between MAX_IMAGE_PIXELS and twice it Pillow only warns; we refuse.
    side = int((uploads.MAX_IMAGE_PIXELS * 1.2) ** 0.5)
    error = refused(images.png(side, side, mode="1"))
    assert "too many pixels" in error.message


def test_read_limited_gives_413():
    with pytest.raises(UploadError) as info:
        uploads.read_limited(io.BytesIO(b"x" * 101), 100)
    assert info.value.status == 413
    assert uploads.read_limited(io.BytesIO(b"x" * 100), 100) == b"x" * 100
    with pytest.raises(UploadError, match="empty"):
        uploads.read_limited(io.BytesIO(b""), 100)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.png", "evil.png"),
        ("logo.png", "logo.png"),
        ("bad\r\nX-Header: 1.png", "badX-Header_ 1.png"),
        ("nul\x00byte.png", "nulbyte.png"),
        ("\u202egnp.exe", "gnp.exe"),
        ("   ", "file"),
        ("...", "file"),
        ("a" * 500 + ".png", "a" * 120),
        ('quote"s;.png', "quote_s_.png"),
        (None, "file"),
    ],
)
def test_display_filename(name, expected):
    assert display_filename(name) == expected


def test_display_filename_never_contains_a_path_or_control():
    for name in ["../x", "/etc/shadow", "C:\\x\\y", "a/../../b", "\x1b[31mred", "x\ud800y"]:
        label = display_filename(name)
        assert "/" not in label and "\\" not in label and ".." not in label
        assert all(ch.isprintable() for ch in label)


# --------------------------------------------------------------------------- PDFs


def test_valid_pdf_is_kept_as_is():
    data = images.pdf(pages=3)
    assert validate_pdf(data).data == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (images.png(), "image, not a PDF"),
        (b"hello", "not a PDF"),
        (images.pdf()[:-40], "damaged or incomplete"),
        (b"%PDF-1.4\n garbage garbage\n%%EOF\n", "damaged or incomplete"),
        (
            images.pdf(extra=b"/AA << /O << /S /JavaScript /JS (app.alert(1)) >> >> "),
            "active content",
        ),
        (images.pdf(extra=b"/AA << /O << /S /Launch /F (cmd.exe) >> >> "), "active content"),
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF", "web page"),
        (images.pdf().replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 9 0 R"), "password"),
    ],
)
def test_bad_pdfs_are_refused(data, message):
    assert message in refused(data, validate_pdf).message


def test_pdf_page_limit():
    assert (
        "more than 2 pages"
        in refused(images.pdf(pages=3), lambda d: validate_pdf(d, max_pages=2)).message
    )


@pytest.mark.parametrize("make", [images.png, images.jpeg, images.webp])
def test_truncated_images_are_refused_even_after_weasyprint_is_loaded(make, monkeypatch):
    """WeasyPrint switches Pillow to loading truncated images for the whole process."""
    import weasyprint  # noqa: F401 - imported for its side effect on Pillow
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = make(300, 300)
    error = refused(data[: len(data) * 2 // 3])
    assert "damaged or incomplete" in error.message
