"""Every task family videotwin has (a new group adds its declaration here)."""

from __future__ import annotations

from videotwin.families import avatars, lipsync_models, talking, videos, voices
from videotwin.families.base import Family
from videotwin.pipelines.registry import Pipelines, build_pipelines

FAMILIES: tuple[Family, ...] = (avatars.FAMILY, lipsync_models.FAMILY, voices.FAMILY, videos.FAMILY, talking.PHOTO,
                                talking.VIDEO)
_BY_KIND = {f.kind: f for f in FAMILIES}


def by_kind(kind: str) -> Family | None:
    """The family whose jobs are of this kind (None for kinds with no A2E record, e.g. test kinds)."""
    return _BY_KIND.get(kind)


def worker_pipelines(plugins: list[str]) -> Pipelines:
    """What a worker runs: every family's pipeline, then each plugin's."""
    return build_pipelines([f.pipeline for f in FAMILIES], plugins)
