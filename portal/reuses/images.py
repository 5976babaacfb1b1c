"""A reuse's image: sniffed (PNG, JPEG or WebP by their magic bytes, whatever the name says),
capped in size, and stored through the storage interface under a fresh key per upload."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from portal.errors import ValidationError
from portal.files.sniff import peek
from portal.storage import FileTooLarge

if TYPE_CHECKING:
    from portal.actions import Context
    from portal.reuses.models import Reuse

#: An image shown on a card and a page: far below the data upload limit.
IMAGE_MAX_BYTES = 5 * 1024 * 1024
NOT_AN_IMAGE = "Only PNG, JPEG and WebP images can be uploaded."


def image_type(head: bytes) -> str | None:
    """The media type of an image starting with `head`, None if it is not PNG, JPEG or WebP
    (SVG is refused: it may hold scripts)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def store_image(context: Context, reuse: Reuse, upload: Any) -> None:
    """Store `upload` as the reuse's image; the old one goes after the commit, the new one on
    rollback."""
    head, stream = peek(upload.stream, 16)
    media_type = image_type(head)
    if media_type is None:
        raise ValidationError({"image_upload": [NOT_AN_IMAGE]})
    extension = media_type.split("/")[1]
    key = f"reuses/{reuse.id[:3]}/{reuse.id}/{secrets.token_hex(8)}.{extension}"
    limit = min(IMAGE_MAX_BYTES, context.settings.max_upload_bytes)
    storage = context.storage
    try:
        storage.put(key, stream, limit)
    except FileTooLarge:
        raise ValidationError({"image_upload": ["The image is larger than 5 MB."]}) from None
    context.on_rollback.append(lambda: storage.delete(key))
    drop_image(context, reuse)
    reuse.image_key, reuse.image_type = key, media_type


def drop_image(context: Context, reuse: Reuse) -> None:
    """Forget the reuse's image; its file is deleted once the change is committed."""
    old = reuse.image_key
    if old:
        storage = context.storage
        context.after_commit.append(lambda: storage.delete(old))
    reuse.image_key = reuse.image_type = None
