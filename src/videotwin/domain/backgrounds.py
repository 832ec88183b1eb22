"""Backgrounds for avatar videos: the system ones that ship with videotwin (scripts/make_backgrounds.py
drew them) and each user's own, added from an image URL (custom_back/add)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
from sqlalchemy import select
from sqlalchemy.orm import Session

from videotwin.db.tables import BackgroundRow
from videotwin.errors import BadInput, NotFound
from videotwin.ids import is_id, new_id, utcnow
from videotwin.media import images
from videotwin.media.audio import MediaError
from videotwin.storage.inputs import fetch_input
from videotwin.storage.keys import user_prefix

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "backgrounds"
SYSTEM_PREFIX = "system/backgrounds/"
# A background is at most this many pixels on its longer side (larger images are scaled down: a
# 1080p video needs no more) and at least this many on its shorter side.
MAX_SIDE_PX = 3840
MIN_SIDE_PX = 64
MAX_CUSTOM_BACKGROUNDS = 200
JPEG_QUALITY = 92
SYSTEM_CREATED = datetime(2026, 11, 26, tzinfo=UTC)


@dataclass(frozen=True)
class Background:
    id: str
    owner_id: str | None  # None: a system background
    name: str
    image_key: str
    width: int
    height: int
    created_at: datetime

    @property
    def system(self) -> bool:
        return self.owner_id is None


@cache
def system_backgrounds() -> tuple[Background, ...]:
    """Stable ids (from the name), so a client may keep a back_id across releases."""
    manifest = json.loads((ASSETS / "backgrounds.json").read_text())
    return tuple(Background(hashlib.sha256(f"background:{m['slug']}".encode()).hexdigest()[:24], None, m["name"],
                            f"{SYSTEM_PREFIX}{m['slug']}.jpg", m["width"], m["height"], SYSTEM_CREATED)
                 for m in manifest)


def install_system_backgrounds(services: Services) -> None:
    """Copy the shipped images into the store (once), so they are served like every other file."""
    for bg in system_backgrounds():
        if not services.blobs.exists(bg.image_key):
            services.blobs.put_file(bg.image_key, ASSETS / Path(bg.image_key).name, "image/jpeg")


def _from_row(row: BackgroundRow) -> Background:
    return Background(row.id, row.owner_id, "", row.image_key, row.width, row.height, row.created_at)


def custom(session: Session, owner_id: str) -> list[Background]:
    rows = session.scalars(select(BackgroundRow).where(BackgroundRow.owner_id == owner_id)
                           .order_by(BackgroundRow.created_at.desc(), BackgroundRow.id.desc()))
    return [_from_row(r) for r in rows]


def everything(session: Session, owner_id: str) -> list[Background]:
    return list(system_backgrounds()) + custom(session, owner_id)


def system(back_id: str, field: str = "back_id") -> Background:
    for bg in system_backgrounds():
        if bg.id == back_id:
            return bg
    raise BadInput(field, f"no system background {back_id!r}; custom_back/allBackground lists them")


def owned(session: Session, owner_id: str, back_id: str, field: str = "custom_back_id") -> Background:
    row = session.get(BackgroundRow, back_id) if is_id(back_id) else None
    if row is None or row.owner_id != owner_id:
        raise BadInput(field, f"no background {back_id!r} of yours (it may have been deleted); "
                              "custom_back/list lists them")
    return _from_row(row)


def add(services: Services, owner_id: str, img_url: str) -> Background:
    """Fetch the image, check its header (pixels, sides) before decoding it, store it as a JPEG no
    larger than MAX_SIDE_PX."""
    with services.db.read() as session:
        count = len(custom(session, owner_id))
    if count >= MAX_CUSTOM_BACKGROUNDS:
        raise BadInput("img_url", f"you have {count} backgrounds, the most kept per user; delete one first")
    tmp_root = services.settings.data_dir / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
        src = Path(tmp) / "image"
        fetch_input(img_url, src, field="img_url", accept=["image"], blobs=services.blobs, signer=services.signer,
                    rules=services.fetch_rules)
        try:
            image = images.read_rgb(src, services.settings.max_image_pixels, MIN_SIDE_PX)
        except MediaError as exc:
            raise BadInput("img_url", str(exc)) from None
        h, w = image.shape[:2]
        scale = min(1.0, MAX_SIDE_PX / max(h, w))
        if scale < 1.0:
            image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            h, w = image.shape[:2]
        out = Path(tmp) / "background.jpg"
        cv2.imwrite(str(out), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        back_id = new_id()
        key = f"{user_prefix(owner_id)}backgrounds/{back_id}.jpg"
        services.blobs.put_file(key, out, "image/jpeg", consume=True)
    with services.db.write() as session:
        row = BackgroundRow(id=back_id, owner_id=owner_id, image_key=key, source_url=img_url, width=w, height=h,
                            created_at=utcnow())
        session.add(row)
        session.flush()
        return _from_row(row)


def delete(services: Services, owner_id: str, back_id: str) -> None:
    with services.db.write() as session:
        row = session.get(BackgroundRow, back_id) if is_id(back_id) else None
        if row is None or row.owner_id != owner_id:
            if any(bg.id == back_id for bg in system_backgrounds()):
                raise BadInput("_id", "system backgrounds cannot be deleted")
            raise NotFound(f"_id: no background {back_id!r}")
        key = row.image_key
        session.delete(row)
    # Videos already rendered keep their own copy of the picture (result_bg_url).
    services.blobs.delete(key)
