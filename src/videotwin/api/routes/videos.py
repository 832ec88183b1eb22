"""Avatar videos (video/generate and its status calls) and backgrounds (custom_back/*)."""

from __future__ import annotations

import random
from typing import Annotated

from fastapi import APIRouter, Query, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.presenters import video_out
from videotwin.api.schemas.common import Out, iso
from videotwin.api.schemas.videos import (
    AutoPoolBody,
    AwsListBody,
    BackgroundAddBody,
    BackgroundIdBody,
    BackgroundOut,
    GenerateBody,
    VideoIdBody,
    VideoOut,
)
from videotwin.domain import backgrounds, jobs, videos
from videotwin.domain.errors import BadInput
from videotwin.storage.keys import user_prefix

router = APIRouter(tags=["avatar videos"])
KINDS = [videos.KIND]


class VideoPage(Out):
    data: list[VideoOut]
    total: int
    current: int
    pageSize: int


@router.post("/api/v1/video/generate", response_model=Envelope[VideoOut])
async def generate(request: Request, body: GenerateBody, runtime: RuntimeDep, me: PrincipalDep):
    """Render a lip-synced avatar video; returns the record at once (status init), poll video/awsResult."""
    if body.face_swap_id:
        raise BadInput("face_swap_id", "face swap inside video/generate is not available; swap faces on the "
                                       "finished video instead")
    canvas = {k: getattr(body, k) for k in ("web_bg_width", "web_bg_height", "web_people_width",
                                            "web_people_height", "web_people_x", "web_people_y")}
    req = videos.GenerateRequest(
        anchor_id=body.anchor_id, anchor_type=body.anchor_type, title=body.title, audio_src=body.audioSrc,
        msg=body.msg, custom_voice=body.custom_voice, resolution=body.resolution, back_id=body.back_id,
        custom_back_id=body.custom_back_id, color=body.color, canvas=canvas, captions=body.isCaptionEnabled,
        caption_align=body.captionAlign, public_pool=body.isToPublicPool, webhook_url=body.webhook_url,
        webhook_token=body.webhook_token)
    job = await run_slow(request, videos.generate, runtime, me.user.id, req)
    return ok(request, video_out(job, runtime.url_for))


@router.post("/api/v1/video/awsResult", response_model=Envelope[list[VideoOut]])
def aws_result(request: Request, body: VideoIdBody, runtime: RuntimeDep, me: PrincipalDep):
    """One video's record, as a one-element array (A2E's shape)."""
    with runtime.db.read() as session:
        job = jobs.get(session, me.user.id, body.id, KINDS)
    return ok(request, [video_out(job, runtime.url_for)])


def _aws_list(request: Request, runtime, me, current: int, page_size: int):
    with runtime.db.read() as session:
        found, total = jobs.list_jobs(session, me.user.id, kinds=KINDS, page=current, page_size=page_size)
    return ok(request, VideoPage(data=[video_out(j, runtime.url_for) for j in found], total=total, current=current,
                                 pageSize=page_size))


@router.get("/api/v1/video/awsList", response_model=Envelope[VideoPage])
def aws_list_get(request: Request, runtime: RuntimeDep, me: PrincipalDep,
                 current: Annotated[int, Query(ge=1)] = 1, pageSize: Annotated[int, Query(ge=1, le=100)] = 10):
    """Your videos, newest first."""
    return _aws_list(request, runtime, me, current, pageSize)


@router.post("/api/v1/video/awsList", response_model=Envelope[VideoPage])
def aws_list_post(request: Request, runtime: RuntimeDep, me: PrincipalDep, body: AwsListBody | None = None):
    body = body or AwsListBody()
    return _aws_list(request, runtime, me, body.current, body.pageSize)


@router.get("/api/v1/video/detail", response_model=Envelope[VideoOut])
def detail(request: Request, runtime: RuntimeDep, me: PrincipalDep,
           video_id: Annotated[str, Query(min_length=1, max_length=64)]):
    with runtime.db.read() as session:
        return ok(request, video_out(jobs.get(session, me.user.id, video_id, KINDS), runtime.url_for))


@router.post("/api/v1/video/cancel", response_model=Envelope[VideoOut])
def cancel(request: Request, body: VideoIdBody, runtime: RuntimeDep, me: PrincipalDep):
    """Stop a video: one not started yet is cancelled and refunded; a rendering one stops shortly."""
    with runtime.db.write() as session:
        job = jobs.cancel(session, me.user.id, body.id, KINDS)
    return ok(request, video_out(job, runtime.url_for))


@router.delete("/api/v1/video/{video_id}", response_model=Envelope[dict])
def delete(request: Request, video_id: str, runtime: RuntimeDep, me: PrincipalDep):
    """Not started: cancelled and refunded. Finished: deleted with its files. Rendering: refused (cancel it)."""
    with runtime.db.write() as session:
        job = jobs.delete(session, me.user.id, video_id, KINDS)
    if job.finished:
        runtime.blobs.delete_prefix(f"{user_prefix(me.user.id)}jobs/{job.id}/")
    return ok(request, {})


@router.post("/api/v1/video/auto-public-pool", response_model=Envelope[dict])
def auto_public_pool(request: Request, body: AutoPoolBody, runtime: RuntimeDep, me: PrincipalDep):
    """Send your videos to the shared worker pool even when a dedicated one is configured for you."""
    value = videos.set_auto_public_pool(runtime, me.user.id, body.isAutoToPublicPool)
    return ok(request, {"isAutoToPublicPool": value})


# ---- backgrounds -------------------------------------------------------------------------------


def background_out(bg: backgrounds.Background, url_for) -> BackgroundOut:
    return BackgroundOut(id=bg.id, type="system" if bg.system else "custom", name=bg.name,
                         img_url=url_for(bg.image_key), width=bg.width, height=bg.height,
                         createdAt=iso(bg.created_at))


@router.post("/api/v1/custom_back/add", response_model=Envelope[BackgroundOut])
async def background_add(request: Request, body: BackgroundAddBody, runtime: RuntimeDep, me: PrincipalDep):
    """Add a background from an image URL (JPEG or PNG); use its _id as custom_back_id."""
    bg = await run_slow(request, backgrounds.add, runtime, me.user.id, body.img_url)
    return ok(request, background_out(bg, runtime.url_for))


@router.post("/api/v1/custom_back/list", response_model=Envelope[list[BackgroundOut]])
def background_list(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    with runtime.db.read() as session:
        found = backgrounds.custom(session, me.user.id)
    return ok(request, [background_out(b, runtime.url_for) for b in found])


@router.post("/api/v1/custom_back/del", response_model=Envelope[dict])
def background_del(request: Request, body: BackgroundIdBody, runtime: RuntimeDep, me: PrincipalDep):
    backgrounds.delete(runtime, me.user.id, body.id)
    return ok(request, {})


@router.post("/api/v1/custom_back/allBackground", response_model=Envelope[list[BackgroundOut]])
def background_all(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    """The system backgrounds (use _id as back_id) and yours (custom_back_id)."""
    with runtime.db.read() as session:
        found = backgrounds.everything(session, me.user.id)
    return ok(request, [background_out(b, runtime.url_for) for b in found])


@router.post("/api/v1/custom_back/randomBackground", response_model=Envelope[BackgroundOut])
def background_random(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    return ok(request, background_out(random.choice(backgrounds.system_backgrounds()), runtime.url_for))
