"""Every task family videotwin has (a new group adds its declaration here)."""

from __future__ import annotations

from videotwin.families import avatars, caption_removal, lipsync_models, talking, videos, voices
from videotwin.families.base import Family
from videotwin.pipelines.registry import Pipelines, build_pipelines

FAMILIES: tuple[Family, ...] = (avatars.FAMILY, lipsync_models.FAMILY, voices.FAMILY, voices.FROM_AVATAR,
                                videos.FAMILY, talking.PHOTO, talking.VIDEO, caption_removal.FAMILY)
# A kind's records are its first family's (voices.FROM_AVATAR only starts voices.FAMILY's records).
_BY_KIND = {f.kind: f for f in reversed(FAMILIES)}


def by_kind(kind: str) -> Family | None:
    """The family whose jobs are of this kind (None for kinds with no A2E record, e.g. test kinds)."""
    return _BY_KIND.get(kind)


def worker_pipelines(plugins: list[str]) -> Pipelines:
    """What a worker runs: every family's pipeline, then each plugin's."""
    return build_pipelines(list({f.kind: f.pipeline for f in FAMILIES}.values()), plugins)
