"""Avatars beyond their task group's endpoints (those come from families/avatars.py and
families/lipsync_models.py): the personalised lip-sync models of each avatar, and the anchors video
generation speaks through."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep
from videotwin.api.envelope import Envelope, ok
from videotwin.domain import avatars, lipsync_models
from videotwin.errors import BadInput
from videotwin.families import lipsync_models as lipsync_family
from videotwin.wire.avatars import AnchorListBody, AnchorOut, CharacterListBody, LipsyncModelOut
from videotwin.wire.common import iso
from videotwin.wire.presenters import url_or_none

router = APIRouter(tags=["avatars"])


def anchor_out(a: avatars.Anchor, url_for) -> AnchorOut:
    files = a.pack.files if a.pack else None
    return AnchorOut(id=a.id, name=a.name, type="system" if a.anchor_type == avatars.SYSTEM else "custom",
                     anchor_type=a.anchor_type, gender=a.gender,
                     video_cover=url_or_none(url_for, files and files.cover),
                     base_video=url_or_none(url_for, files and files.footage), user_video_twin_id=a.twin_id,
                     createdAt=iso(a.created_at))


@router.get("/api/v1/userVideoTwin/lipsyncModels", response_model=Envelope[list[LipsyncModelOut]])
def lipsync_model_list(request: Request, runtime: RuntimeDep, me: PrincipalDep,
                       user_video_twin_id: Annotated[str | None, Query(max_length=64)] = None):
    """Your personalised lip-sync models (every continue-training run), newest first."""
    with runtime.db.read() as session:
        found = lipsync_models.runs(session, me.user.id, user_video_twin_id or None)
    twins = {r.twin_id for r in found}
    used = {t: lipsync_models.in_use_of([r for r in found if r.twin_id == t]).model_id for t in twins}
    return ok(request, [lipsync_family.model_out(r.with_in_use(r.id == used[r.twin_id]), runtime.url_for)
                        for r in found])


def _character_list(request: Request, runtime, me, kind: str | None, twin_id: str | None):
    types = {"custom": avatars.CUSTOM, "system": avatars.SYSTEM, None: None, "": None}
    if kind not in types:
        raise BadInput("type", f"{kind!r} is not custom or system")
    with runtime.db.read() as session:
        found = avatars.anchors(session, me.user.id, anchor_type=types[kind], twin_id=twin_id or None)
    return ok(request, [anchor_out(a, runtime.url_for) for a in found])


@router.get("/api/v1/anchor/character_list", response_model=Envelope[list[AnchorOut]])
def character_list_get(request: Request, runtime: RuntimeDep, me: PrincipalDep,
                       type: Annotated[str | None, Query(max_length=16)] = None,
                       user_video_twin_id: Annotated[str | None, Query(max_length=64)] = None):
    """Avatars you can generate videos with: yours and the system ones."""
    return _character_list(request, runtime, me, type, user_video_twin_id)


@router.post("/api/v1/anchor/character_list", response_model=Envelope[list[AnchorOut]])
def character_list_post(request: Request, runtime: RuntimeDep, me: PrincipalDep,
                        body: CharacterListBody | None = None):
    body = body or CharacterListBody()
    return _character_list(request, runtime, me, body.type, body.user_video_twin_id)


@router.post("/api/v1/anchor/list", response_model=Envelope[list[AnchorOut]])
def anchor_list(request: Request, runtime: RuntimeDep, me: PrincipalDep, body: AnchorListBody | None = None):
    return _character_list(request, runtime, me, None, None)

