"""Avatar videos beyond their task group's endpoints (video/generate and its status calls come from
families/videos.py): the shared-pool setting, and backgrounds (custom_back/*)."""

from __future__ import annotations

import random

from fastapi import APIRouter, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.openapi import may_answer
from videotwin.domain import backgrounds, videos
from videotwin.wire.common import iso
from videotwin.wire.videos import AutoPoolBody, BackgroundAddBody, BackgroundIdBody, BackgroundOut

router = APIRouter(tags=["avatar videos"])


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


@router.post("/api/v1/custom_back/del", response_model=Envelope[dict], responses=may_answer(404))
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
