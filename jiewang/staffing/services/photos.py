"""A profile photo: checked by content (JPEG, PNG or WebP, read by Pillow), size-limited in bytes
and pixels. Staffing sits below events, so it checks on its own rather than through
``events.services.photos``; the same rules, smaller limits (a face, not a scene)."""

from __future__ import annotations

import io
import warnings

from django.conf import settings

from jiewang.core.errors import PayloadTooLarge, ValidationFailed

TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000


def max_bytes() -> int:
    return int(getattr(settings, "STAFFING_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


def check_photo(data: bytes) -> tuple[str, str]:
    """``(content type, extension)`` of an acceptable photo; refuses anything else."""
    from PIL import Image

    if not data:
        raise ValidationFailed("空文件 / Empty file.", code="photo.empty", fields={"photo": "empty"})
    if len(data) > max_bytes():
        raise PayloadTooLarge(f"图片过大（上限 {max_bytes() // 1024 // 1024} MB）/ Image too large.",
                              code="photo.too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            fmt = img.format
            if width * height > MAX_PIXELS:
                raise ValidationFailed("图片像素过多 / The image has too many pixels.", code="photo.too_many_pixels",
                                       fields={"photo": "too many pixels"})
            img.verify()
    except ValidationFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to parse untrusted bytes is a corrupt file
        raise ValidationFailed("图片已损坏或格式不支持 / The image is corrupt or not JPEG, PNG or WebP.",
                               code="photo.corrupt", fields={"photo": "corrupt"}) from exc
    if fmt not in TYPES:
        raise ValidationFailed("只接受 JPEG、PNG 或 WebP 图片 / Only JPEG, PNG or WebP images.",
                               code="photo.type_not_allowed", fields={"photo": "type"})
    return TYPES[fmt]
