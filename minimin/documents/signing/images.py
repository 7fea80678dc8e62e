"""A drawn signature: the PNG data URL the signing page posts, checked and re-encoded.

The data URL is capped before it is decoded, opened with Pillow as a PNG only, limited in
pixel size, and saved again from its pixels, so what is stored (and put into the signed PDF) is
an image we wrote, with nothing of the upload's own chunks or metadata.
"""

from __future__ import annotations

import base64
import binascii
import io

from flask_babel import gettext as _

from minimin.core.user_error import UserError

PREFIX = "data:image/png;base64,"
#: The longest data URL accepted (a signature drawn on the page's canvas is a few kilobytes).
DATA_URL_MAX = 300_000
MAX_WIDTH = 1600
MAX_HEIGHT = 800


class SignatureImageError(UserError):
    pass


def png_from_data_url(data_url: str) -> bytes:
    """The re-encoded PNG of *data_url*, or SignatureImageError saying what is wrong."""
    from PIL import Image, UnidentifiedImageError

    if len(data_url) > DATA_URL_MAX:
        raise SignatureImageError(_("The drawn signature is too large. Clear it and draw again."))
    if not data_url.startswith(PREFIX):
        raise SignatureImageError(_("The drawn signature could not be read. Draw it again."))
    try:
        raw = base64.b64decode(data_url[len(PREFIX) :], validate=True)
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as image:
            if image.width > MAX_WIDTH or image.height > MAX_HEIGHT:
                raise SignatureImageError(_("The drawn signature is too large."))
            image.load()
            pixels = image.convert("RGBA")
    except (binascii.Error, ValueError, OSError, UnidentifiedImageError) as exc:
        if isinstance(exc, SignatureImageError):
            raise
        raise SignatureImageError(
            _("The drawn signature could not be read. Draw it again.")
        ) from exc
    if pixels.getbbox() is None or pixels.getchannel("A").getbbox() is None:
        raise SignatureImageError(_("Draw your signature in the box, or type your name."))
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()


def data_url(png: bytes) -> str:
    return PREFIX + base64.b64encode(png).decode("ascii")
