"""Photos of an event: type-checked by content (not by the name the client sent), size-limited
(bytes and pixels), stored through Django storage, with the EXIF time and GPS position kept.

Every upload is untrusted: a file Pillow cannot read is ``photo.corrupt`` (422), and a small file
declaring a huge picture (a decompression bomb: a 48 KB PNG of 20000×20000 pixels) is
``photo.too_many_pixels`` (422) before any pixel is decoded. Both the API and the resident portal
read photos through :func:`read_exif`, so both refuse the same files the same way."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from jiewang.core.errors import PayloadTooLarge, ValidationFailed

from ..choices import PhotoKind
from ..models import Event, EventPhoto
from .transition import event_note

SIGNATURES = {b"\xff\xd8\xff": ("image/jpeg", "jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
MAX_PHOTOS_PER_EVENT = 30


def max_bytes() -> int:
    return int(getattr(settings, "EVENT_PHOTO_MAX_BYTES", 10 * 1024 * 1024))


def sniff(data: bytes) -> tuple[str, str]:
    for sig, kind in SIGNATURES.items():
        if data.startswith(sig):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    raise ValidationFailed("只接受 JPEG、PNG 或 WebP 图片 / Only JPEG, PNG or WebP images.",
                           code="photo.type_not_allowed")


def _gps_to_degrees(values, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in values)
        deg = d + m / 60 + s / 3600
        return -deg if ref in ("S", "W") else deg
    except Exception:  # noqa: BLE001 - EXIF is untrusted
        return None


def max_pixels() -> int:
    """The largest picture accepted, in pixels (width × height): ``EVENT_PHOTO_MAX_PIXELS``, by
    default Pillow's own bomb threshold (about 89 million pixels: above what phone cameras save,
    far below what would exhaust a worker's memory when decoded)."""
    from PIL import Image

    return int(getattr(settings, "EVENT_PHOTO_MAX_PIXELS", None) or Image.MAX_IMAGE_PIXELS or 178_956_970)


def _too_many_pixels() -> ValidationFailed:
    return ValidationFailed(f"图片像素过多（上限 {max_pixels() // 1_000_000} 百万像素）/ The image has too many pixels "
                            f"(at most {max_pixels() // 1_000_000} megapixels).", code="photo.too_many_pixels")


def _open(data: bytes):
    """Open (lazily: the header only) and check the declared size, Pillow's bomb warning raised as
    the error it announces."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = Image.open(io.BytesIO(data))
    width, height = img.size
    if width * height > max_pixels():
        raise _too_many_pixels()
    return img


def read_exif(data: bytes) -> dict:
    """Time taken and GPS position from EXIF, where present and sane. Refuses an undecodable image
    (``photo.corrupt``) and one declaring too many pixels (``photo.too_many_pixels``)."""
    from PIL import Image

    try:
        _open(data).verify()
        exif = _open(data).getexif()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except Exception as exc:  # noqa: BLE001 - any failure to parse untrusted bytes is a corrupt file
        raise ValidationFailed("图片已损坏 / The image is corrupt.", code="photo.corrupt") from exc
    try:
        sub = exif.get_ifd(0x8769) if exif else {}
        gps = exif.get_ifd(0x8825) if exif else {}
    except Exception:  # noqa: BLE001 - a broken EXIF block loses its metadata, not the photo
        sub, gps = {}, {}
    return _metadata(exif, sub, gps)


def _metadata(exif, sub, gps) -> dict:
    out: dict = {}
    raw_time = sub.get(0x9003) or exif.get(0x0132) if exif else None
    if raw_time:
        try:
            naive = dt.datetime.strptime(str(raw_time).strip("\x00"), "%Y:%m:%d %H:%M:%S")
            if 1990 <= naive.year <= 2100:  # a camera clock at year 1 would not survive time zone arithmetic
                out["taken_at"] = timezone.make_aware(naive)
        except (ValueError, OverflowError):
            pass
    if gps and 2 in gps and 4 in gps:
        lat = _gps_to_degrees(gps[2], gps.get(1))
        lon = _gps_to_degrees(gps[4], gps.get(3))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            out["taken_lat"], out["taken_lon"] = lat, lon
    return out


def check_bytes(data: bytes) -> tuple[str, str, str]:
    """The cheap checks of an uploaded picture, before anything is decoded: the byte limit
    (``photo.too_large``, 413), not empty, the type by content. Returns (content type, extension,
    sha256)."""
    if len(data) > max_bytes():
        raise PayloadTooLarge(f"图片过大（上限 {max_bytes() // 1024 // 1024} MB）/ Image too large.",
                              code="photo.too_large")
    if not data:
        raise ValidationFailed("空文件 / Empty file.", code="photo.empty")
    content_type, ext = sniff(data)
    return content_type, ext, hashlib.sha256(data).hexdigest()


def check_image(data: bytes) -> tuple[str, str, str]:
    """An uploaded picture checked as an event's photo is (:func:`check_bytes`, then decodable and
    not too many pixels), for the other apps that take photos (a patrol's check-in, a wish's
    proof). Returns (content type, extension, sha256); raises ``photo.*``."""
    checked = check_bytes(data)
    read_exif(data)  # refuses a corrupt image or one declaring too many pixels
    return checked


def event_photo_add(*, event: Event, actor, data: bytes, kind: str = PhotoKind.REPORT) -> EventPhoto:
    """Attach one photo (the ``photo`` action: its roles say who may). The same picture uploaded
    twice (a retry) is stored once."""
    from ..registry import authorize

    role = authorize("photo", actor=actor, event=event)
    if kind not in PhotoKind.values:
        raise ValidationFailed("照片类型无效 / Invalid photo kind.", code="photo.kind_invalid")
    content_type, ext, digest = check_bytes(data)  # decoded (read_exif) only if not stored already
    existing = EventPhoto.objects.filter(event=event, sha256=digest, kind=kind).first()
    if existing is not None:
        return existing
    if EventPhoto.objects.filter(event=event).count() >= MAX_PHOTOS_PER_EVENT:
        raise ValidationFailed("照片数量已达上限 / Too many photos for one event.", code="photo.too_many")
    meta = read_exif(data)
    photo = EventPhoto(event=event, kind=kind, content_type=content_type, size=len(data), sha256=digest,
                       uploaded_by=actor, **meta)
    photo.file.save(f"{event.number}-{digest[:12]}.{ext}", ContentFile(data), save=False)
    photo.save()
    event_note(event=event, action="photo", actor=actor, role=role, data={"photo": photo.pk, "kind": kind})
    return photo
