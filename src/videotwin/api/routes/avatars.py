"""Avatars from a video ("video twins") and the anchors video generation speaks through."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep
from videotwin.api.envelope import Envelope, ok
from videotwin.api.presenters import task_fields
from videotwin.api.schemas.avatars import (
    AnchorListBody,
    AnchorOut,
    BatchBody,
    CharacterListBody,
    ContinueTrainingBody,
    LipsyncModelOut,
    StartTrainingBody,
    TwinIdBody,
    TwinOut,
)
from videotwin.api.schemas.common import DEFAULT_PAGE_SIZE, Page, PageNum, PageSize, iso
from videotwin.domain import avatars, lipsync_models
from videotwin.domain.errors import BadInput

router = APIRouter(tags=["avatars"])


def twin_out(t: avatars.Twin, url_for) -> TwinOut:
    files = t.files
    model = t.model
    return TwinOut(
        id=t.id, name=t.name, gender=t.gender, current_status=t.current_status,
        video_url=t.source_url if t.source_kind == "video" else None,
        image_url=t.source_url if t.source_kind == "image" else None,
        anchor_id=t.anchor_id if t.ready else None,
        preview_result_url=url_for(files["preview"]) if "preview" in files else None,
        video_cover=url_for(files["cover"]) if "cover" in files else None,
        video_backgroud_image=t.background_image, video_backgroud_color=t.background_color,
        video_background_image=t.background_image, video_background_color=t.background_color,
        lipsync_model=model.kind if model and t.ready else None, lipsync_model_id=model.model_id if model else None,
        lipsync_model_reason=model.reason if model and t.ready else None,
        **task_fields(t.latest_job, t.created_at))


def anchor_out(a: avatars.Anchor, url_for) -> AnchorOut:
    files = a.files
    return AnchorOut(id=a.id, name=a.name, type="system" if a.anchor_type == avatars.SYSTEM else "custom",
                     anchor_type=a.anchor_type, gender=a.gender,
                     video_cover=url_for(files["cover"]) if "cover" in files else None,
                     base_video=url_for(files["footage"]) if "footage" in files else None,
                     user_video_twin_id=a.twin_id, createdAt=iso(a.created_at))


@router.post("/api/v1/userVideoTwin/startTraining", response_model=Envelope[TwinOut])
def start_training(request: Request, body: StartTrainingBody, runtime: RuntimeDep, me: PrincipalDep):
    """Make an avatar from a video: returns the record at once; the preview follows (current_status)."""
    twin = avatars.start(runtime, owner_id=me.user.id, name=body.name, gender=body.gender, video_url=body.video_url,
                         image_url=body.image_url, background_image=body.video_background_image,
                         background_color=body.video_background_color, webhook_url=body.webhook_url,
                         webhook_token=body.webhook_token)
    return ok(request, twin_out(twin, runtime.url_for))


@router.get("/api/v1/userVideoTwin/records", response_model=Envelope[Page[TwinOut]])
def records(request: Request, runtime: RuntimeDep, me: PrincipalDep,
            pageNum: Annotated[PageNum, Query()] = 1, pageSize: Annotated[PageSize, Query()] = DEFAULT_PAGE_SIZE,
            status: Annotated[Literal["pending", "processing", "completed", "failed"] | None, Query()] = None):
    """Your avatars, newest first, optionally by status."""
    with runtime.db.read() as session:
        found, total = avatars.records(session, me.user.id, status=status, page=pageNum, page_size=pageSize)
    return ok(request, Page[TwinOut](data=[twin_out(t, runtime.url_for) for t in found], total=total,
                                     pageNum=pageNum, pageSize=pageSize))


@router.get("/api/v1/userVideoTwin/trainingRecords", response_model=Envelope[list[TwinOut]])
def training_records(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    """Avatars still being made."""
    with runtime.db.read() as session:
        found = [t for t in avatars.records(session, me.user.id, status=None, page=1, page_size=100)[0]
                 if t.current_status in ("initialized", "sent", "processing")]
    return ok(request, [twin_out(t, runtime.url_for) for t in found])


@router.post("/api/v1/userVideoTwin/batchDetail", response_model=Envelope[list[TwinOut]])
def batch_detail(request: Request, body: BatchBody, runtime: RuntimeDep, me: PrincipalDep):
    with runtime.db.read() as session:
        return ok(request, [twin_out(t, runtime.url_for) for t in avatars.many(session, me.user.id, body.ids)])


@router.post("/api/v1/userVideoTwin/remove", response_model=Envelope[dict])
def remove(request: Request, body: TwinIdBody, runtime: RuntimeDep, me: PrincipalDep):
    """Delete the avatar, its anchor, pack, models and files (a making in progress is stopped)."""
    avatars.remove(runtime, me.user.id, body.id)
    return ok(request, {})


def _continue_training(request: Request, body: ContinueTrainingBody, runtime, me):
    run = lipsync_models.start(runtime, me.user.id, body.id, webhook_url=body.webhook_url,
                               webhook_token=body.webhook_token)
    with runtime.db.read() as session:
        return ok(request, twin_out(avatars.get(session, me.user.id, run.twin_id), runtime.url_for))


@router.post("/api/v1/userVideoTwin/continueTraining", response_model=Envelope[TwinOut])
def continue_training(request: Request, body: ContinueTrainingBody, runtime: RuntimeDep, me: PrincipalDep):
    """Train a personalised lip-sync model on the avatar's own footage (diamonds). The avatar's record
    follows the run (current_status); when it ends, the better model is used from then on."""
    return _continue_training(request, body, runtime, me)


@router.post("/api/v1/userVideoTwin/continueTranining", response_model=Envelope[TwinOut])
def continue_tranining(request: Request, body: ContinueTrainingBody, runtime: RuntimeDep, me: PrincipalDep):
    """A2E's spelling of continueTraining."""
    return _continue_training(request, body, runtime, me)


def lipsync_model_out(run: lipsync_models.LipsyncModel, in_use_id: str | None) -> LipsyncModelOut:
    return LipsyncModelOut(id=run.id, user_video_twin_id=run.twin_id, anchor_id=run.anchor_id,
                           current_status=run.current_status, in_use=run.id == in_use_id,
                           better_than_universal=run.better, reason=run.reason, metrics=run.metrics,
                           **task_fields(run.job, run.created_at))


@router.get("/api/v1/userVideoTwin/lipsyncModels", response_model=Envelope[list[LipsyncModelOut]])
def lipsync_model_list(request: Request, runtime: RuntimeDep, me: PrincipalDep,
                       user_video_twin_id: Annotated[str | None, Query(max_length=64)] = None):
    """Your personalised lip-sync models (every continue-training run), newest first."""
    with runtime.db.read() as session:
        found = lipsync_models.runs(session, me.user.id, user_video_twin_id or None)
    twins = {r.twin_id for r in found}
    used = {t: lipsync_models.in_use_of([r for r in found if r.twin_id == t]).model_id for t in twins}
    return ok(request, [lipsync_model_out(r, used[r.twin_id]) for r in found])


@router.get("/api/v1/userVideoTwin/{twin_id}", response_model=Envelope[TwinOut])
def get_twin(request: Request, twin_id: str, runtime: RuntimeDep, me: PrincipalDep):
    with runtime.db.read() as session:
        return ok(request, twin_out(avatars.get(session, me.user.id, twin_id), runtime.url_for))


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
