"""Photos of an event: type-checked by content (not by the name the client sent), size-limited,
stored through Django storage, with the EXIF time and GPS position kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
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


def read_exif(data: bytes) -> dict:
    """Time taken and GPS position from EXIF, where present and sane."""
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        img.verify()
        img = Image.open(io.BytesIO(data))
        exif = img.getexif()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationFailed("图片已损坏 / The image is corrupt.", code="photo.corrupt") from exc
    out: dict = {}
    sub = exif.get_ifd(0x8769) if exif else {}
    raw_time = sub.get(0x9003) or exif.get(0x0132) if exif else None
    if raw_time:
        try:
            naive = dt.datetime.strptime(str(raw_time).strip("\x00"), "%Y:%m:%d %H:%M:%S")
            out["taken_at"] = timezone.make_aware(naive)
        except ValueError:
            pass
    gps = exif.get_ifd(0x8825) if exif else {}
    if gps and 2 in gps and 4 in gps:
        lat = _gps_to_degrees(gps[2], gps.get(1))
        lon = _gps_to_degrees(gps[4], gps.get(3))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            out["taken_lat"], out["taken_lon"] = lat, lon
    return out


@transaction.atomic
def event_photo_add(*, event: Event, actor, data: bytes, kind: str = PhotoKind.REPORT) -> EventPhoto:
    """Attach one photo (the ``photo`` action: its roles say who may). The same picture uploaded
    twice (a retry) is stored once."""
    from ..registry import authorize

    role = authorize("photo", actor=actor, event=event)
    if kind not in PhotoKind.values:
        raise ValidationFailed("照片类型无效 / Invalid photo kind.", code="photo.kind_invalid")
    if len(data) > max_bytes():
        raise PayloadTooLarge(f"图片过大（上限 {max_bytes() // 1024 // 1024} MB）/ Image too large.",
                              code="photo.too_large")
    if not data:
        raise ValidationFailed("空文件 / Empty file.", code="photo.empty")
    content_type, ext = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
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
