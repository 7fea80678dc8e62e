"""Validation of uploaded files (docs/security.md, "Uploads").

* **Size**: a limit per kind of upload; reading stops one byte past it (413).
* **Type from content**: the magic bytes decide, never the name or the browser's content type.
* **Images** are decoded by Pillow with decompression-bomb warnings turned into errors, must be
  complete (truncated images are refused), and are *re-encoded* (PNG, JPEG or WebP) at most
  2000 px on the longer side. Re-encoding keeps only pixels: EXIF (with GPS positions), XMP,
  ICC profiles, text chunks and anything hidden after the image are gone.
* **SVG** is refused: it is a document that can carry script, not a picture.
* **Polyglots** (a file that is valid as two types, e.g. a PNG that is also HTML or a ZIP) are
  refused, as are files whose content does not match any accepted type.
* **PDFs** are checked by magic and opened with a real parser (qpdf, :mod:`minimin.core.pdfcheck`:
  names decoded, object streams opened); encrypted PDFs and PDFs with active content
  (JavaScript, launch and other actions, embedded files, rich media, XFA forms) are refused.
* **Filenames** are only ever shown, never used as paths: :func:`display_filename` reduces them
  to a safe label.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from minimin.core.pdfcheck import Verdict, inspect_pdf

MB = 1024 * 1024
#: Largest upload per purpose, in bytes.
SIZE_LIMITS: dict[str, int] = {
    "logo": 5 * MB,
    "receipt": 10 * MB,
    "document": 20 * MB,
}
#: Pixels an image may have before it counts as a decompression bomb (a 40-megapixel photo is
#: fine; Pillow warns above this and refuses above twice this, and we refuse at the warning).
MAX_IMAGE_PIXELS = 40_000_000
#: Longer side of a stored image after re-encoding.
MAX_IMAGE_SIDE = 2000
#: Pages a PDF may have.
MAX_PDF_PAGES = 500

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
GIF = "image/gif"
PDF = "application/pdf"
SVG = "image/svg+xml"
IMAGE_TYPES = (PNG, JPEG, WEBP)
PIL_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}
EXTENSIONS = {PNG: "png", JPEG: "jpg", WEBP: "webp", PDF: "pdf"}

#: Markup that must never appear in an image: a browser that sniffed the file would run it.
_MARKUP_MARKERS = (
    b"<script",
    b"<html",
    b"<!doctype",
    b"<svg",
    b"<?php",
    b"<iframe",
    b"<body",
    b"<object",
    b"<embed",
    b"javascript:",
    b"%pdf-",
)
#: Signatures of archives and programs: found after an image's end, they make it a polyglot
#: (a GIFAR-style file that is a picture to one program and an archive to another).
_BINARY_MARKERS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"MZ",
    b"\x7fELF",
    b"%PDF-",
)


class UploadError(Exception):
    """An upload was refused; ``message`` says why and what would be accepted."""

    def __init__(self, message: Any, status: int = 400):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


@dataclass(frozen=True)
class CleanFile:
    """An accepted upload, ready to store."""

    data: bytes
    content_type: str
    width: int | None = None
    height: int | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "bin")


# --------------------------------------------------------------------------- reading and naming


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """Read *stream* but never more than *limit* bytes; 413 when it is larger."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            _l(
                "The file is larger than %(size)s MB. Please choose a smaller file.",
                size=f"{limit / MB:g}",
            ),
            413,
        )
    if not data:
        raise UploadError(_l("The file is empty. Please choose a file with content."))
    return data


_UNSAFE_NAME = re.compile(r"[^\w .,()+\-]", re.UNICODE)


def display_filename(name: str | None, fallback: str = "file") -> str:
    """A label for an uploaded file's name, safe to show and to put in a header.

    Only the last path component survives (``../../etc/passwd`` → ``passwd``); control and
    format characters, slashes and quotes are dropped; the result is at most 120 characters.
    It is **never** used as a path.
    """
    if not name:
        return fallback
    name = unicodedata.normalize("NFKC", str(name))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = _UNSAFE_NAME.sub("_", name).strip(" ._")
    return name[:120] or fallback


# --------------------------------------------------------------------------- type from content


def sniff(data: bytes) -> str | None:
    """The content type given by *data*'s leading bytes, or None when unknown."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head.startswith(b"%PDF-"):
        return PDF
    text = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:65536].lower():
        return SVG
    return None


def _has_markup(data: bytes) -> bool:
    lowered = data[8:].lower()
    return any(marker in lowered for marker in _MARKUP_MARKERS)


def _image_end(data: bytes, kind: str) -> int:
    """Where the picture's own data ends; anything after it is a trailer."""
    if kind == PNG:
        end = data.rfind(b"IEND\xaeB`\x82")
        return len(data) if end == -1 else end + 8
    if kind == WEBP:
        return min(len(data), int.from_bytes(data[4:8], "little") + 8)
    end = data.rfind(b"\xff\xd9")
    return len(data) if end == -1 else end + 2


def _is_polyglot(data: bytes, kind: str) -> bool:
    if _has_markup(data):
        return True
    trailer = data[_image_end(data, kind) :]
    if kind in (PNG, WEBP) and trailer.strip(b"\x00"):
        return True  # nothing legitimately follows the end of a PNG or a RIFF container
    return any(marker in trailer for marker in _BINARY_MARKERS)


# --------------------------------------------------------------------------- images


def validate_image(data: bytes, *, max_side: int = MAX_IMAGE_SIDE) -> CleanFile:
    """Check an uploaded image and return it re-encoded without metadata.

    Raises :class:`UploadError` (415 for a type we do not take, 400 for a broken or hostile file).
    """
    kind = sniff(data)
    if kind == SVG:
        raise UploadError(
            _l(
                "SVG images are not accepted, because they can contain scripts. "
                "Please upload a PNG, JPEG or WebP image."
            ),
            415,
        )
    if kind not in IMAGE_TYPES:
        raise UploadError(
            _l(
                "This file is not a PNG, JPEG or WebP image (its content says otherwise, "
                "whatever its name). Please upload a PNG, JPEG or WebP image."
            ),
            415,
        )
    if _is_polyglot(data, kind):
        raise UploadError(
            _l(
                "This image contains data that is not part of the picture (it may be another "
                "kind of file in disguise), so it was refused. Please export the image again "
                "as a plain PNG, JPEG or WebP."
            ),
        )
    image = _decode(data, kind)
    try:
        return _reencode(image, kind, max_side)
    finally:
        image.close()


def _ends_completely(data: bytes, kind: str) -> bool:
    """Whether the file ends where its format says it must.

    Pillow alone cannot be trusted to refuse a truncated image: WeasyPrint sets Pillow's
    process-wide ``LOAD_TRUNCATED_IMAGES`` when it is imported, after which a cut-off JPEG
    loads with grey where the rest of the picture was.
    """
    if kind == PNG:
        return data.endswith(b"IEND\xaeB`\x82")
    if kind == JPEG:
        return data.endswith(b"\xff\xd9")
    if kind == WEBP:
        declared = int.from_bytes(data[4:8], "little") + 8
        return len(data) in (declared, declared + 1)
    return True


def _decode(data: bytes, kind: str) -> Image.Image:
    broken = UploadError(
        _l(
            "This image is damaged or incomplete and cannot be read. "
            "Please upload the complete file."
        ),
    )
    bomb = UploadError(
        _l(
            "This image has too many pixels (more than %(mp)s megapixels). "
            "Please upload an image of at most %(side)s × %(side)s pixels.",
            mp=MAX_IMAGE_PIXELS // 1_000_000,
            side=MAX_IMAGE_SIDE,
        ),
    )
    if not _ends_completely(data, kind):
        raise broken
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]])
            probe.verify()
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]])
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise bomb
            image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise bomb from exc
        except UploadError:
            raise
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
            IndexError,
            TypeError,
            struct.error,
        ) as exc:
            raise broken from exc
    if PIL_FORMATS[kind] != image.format:
        image.close()
        raise broken
    return image


def _reencode(image: Image.Image, kind: str, max_side: int) -> CleanFile:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image.seek(0)  # an animation keeps its first frame only
        upright = ImageOps.exif_transpose(image) or image
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
            upright.mode == "P" and "transparency" in upright.info
        )
        target_mode = "RGB" if kind == JPEG or not has_alpha else "RGBA"
        converted = upright.convert(target_mode)
        converted.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        # A new image from raw pixels carries no metadata at all: EXIF, GPS, XMP, ICC, text.
        clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
        out = io.BytesIO()
        if kind == JPEG:
            clean.save(out, "JPEG", quality=88, optimize=True)
        elif kind == WEBP:
            clean.save(out, "WEBP", quality=85, method=4)
        else:
            clean.save(out, "PNG", optimize=True)
    return CleanFile(out.getvalue(), kind, clean.width, clean.height)


# --------------------------------------------------------------------------- PDFs


def validate_pdf(data: bytes, *, max_pages: int = MAX_PDF_PAGES) -> CleanFile:
    """Check an uploaded PDF: magic bytes, structure, a real parse, no active content.

    The PDF is kept as uploaded (a receipt is evidence; rewriting it would change it); it is
    served only as an attachment with a sandbox CSP.
    """
    kind = sniff(data)
    if kind in (SVG, GIF, *IMAGE_TYPES):
        raise UploadError(_l("This file is an image, not a PDF. Please upload a PDF."), 415)
    if kind != PDF:
        raise UploadError(
            _l(
                "This file is not a PDF (its content says otherwise, whatever its name). "
                "Please upload a PDF."
            ),
            415,
        )
    broken = UploadError(
        _l(
            "This PDF is damaged or incomplete and cannot be read. Please upload the complete "
            "file, or print it to a new PDF."
        )
    )
    if b"%%EOF" not in data[-2048:]:
        raise broken
    head = data[:4096].lower()
    if any(marker in head for marker in (b"<html", b"<script", b"<svg", b"<!doctype")):
        raise UploadError(
            _l(
                "This PDF also contains a web page (it may be another kind of file in "
                "disguise), so it was refused."
            )
        )
    inspection = inspect_pdf(data)
    if inspection.verdict is Verdict.ENCRYPTED:
        raise UploadError(
            _l("This PDF is password-protected or encrypted. Please upload an unprotected copy.")
        )
    if inspection.verdict is Verdict.ACTIVE:
        raise UploadError(
            _l(
                "This PDF contains active content (scripts, actions or embedded files), so it "
                "was refused. Please print it to a new PDF and upload that."
            )
        )
    if inspection.verdict is Verdict.TOO_COMPLEX:
        raise UploadError(
            _l("This PDF is too complex to check. Please print it to a new PDF and upload that.")
        )
    if inspection.verdict is not Verdict.CLEAN:
        raise broken
    if inspection.pages > max_pages:
        raise UploadError(
            _l("This PDF has more than %(n)s pages. Please upload a shorter document.", n=max_pages)
        )
    return CleanFile(data, PDF)


def validate_upload(data: bytes, purpose: str) -> CleanFile:
    """Validate *data* for *purpose*: a logo must be an image; receipts and documents may also
    be PDFs."""
    if purpose == "logo":
        return validate_image(data)
    if sniff(data) == PDF:
        return validate_pdf(data)
    return validate_image(data)
