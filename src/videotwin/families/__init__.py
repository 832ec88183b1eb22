"""One declaration per A2E task group (families/base.py): its job kind, status words, price, record
table, input builder, presenter and routes. The API, the domain's task use cases and the worker's
webhooks all follow from these."""

from __future__ import annotations

from videotwin.families import avatars, lipsync_models, videos, voices
from videotwin.families.base import Family

FAMILIES: tuple[Family, ...] = (avatars.FAMILY, lipsync_models.FAMILY, voices.FAMILY, videos.FAMILY)
_BY_KIND = {f.kind: f for f in FAMILIES}


def by_kind(kind: str) -> Family | None:
    """The family whose jobs are of this kind (None for kinds with no A2E record, e.g. test kinds)."""
    return _BY_KIND.get(kind)
