"""video/generate: avatar videos (an anchor says an audio or a text)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from videotwin.db.tables import AvatarVideoRow
from videotwin.domain import videos
from videotwin.domain.jobs import DEFAULT_QUEUE
from videotwin.domain.tasks import Submission
from videotwin.errors import BadInput
from videotwin.families.base import CURRENT, Cancel, Delete, Detail, Family, Records, Routes, Start, UrlFor
from videotwin.pipelines import video_generate
from videotwin.wire.presenters import task_fields, url_or_none
from videotwin.wire.videos import CANVAS_FIELDS, GenerateBody, VideoOut

if TYPE_CHECKING:
    from videotwin.domain.ports import Services


def build(services: Services, owner_id: str, body: GenerateBody) -> Submission:
    if body.face_swap_id:
        raise BadInput("face_swap_id", "face swap inside video/generate is not available; swap faces on the "
                                       "finished video instead")
    request = videos.GenerateRequest(
        anchor_id=body.anchor_id, anchor_type=body.anchor_type, title=body.title, audio_src=body.audioSrc,
        msg=body.msg, custom_voice=body.custom_voice, resolution=body.resolution, back_id=body.back_id,
        custom_back_id=body.custom_back_id, color=body.color, canvas={k: getattr(body, k) for k in CANVAS_FIELDS},
        captions=body.isCaptionEnabled, caption_align=body.captionAlign, public_pool=body.isToPublicPool,
        webhook_url=body.webhook_url, webhook_token=body.webhook_token)
    return videos.submission(services, owner_id, request)


def video_out(v: videos.Video, url_for: UrlFor) -> VideoOut:
    """An avatar video as A2E's video record."""
    inputs, result = v.inputs, v.result
    files = result.files if result else None
    return VideoOut(
        id=v.id, title=v.job.name, status=v.status, anchor_id=inputs.anchor.id, anchor_type=inputs.anchor_type,
        audioSrc=inputs.audio_url, msg=inputs.text, resolution=inputs.resolution,
        result=url_or_none(url_for, files and files.result),
        result_people_url=url_or_none(url_for, files and files.people),
        result_bg_url=url_or_none(url_for, files and files.bg),
        duration=result.duration if result else None, isToPublicPool=v.job.queue == DEFAULT_QUEUE,
        notes=list(inputs.notes),
        **task_fields(v.job, v.created_at))


FAMILY = Family(
    noun="task", pipeline=video_generate.PIPELINE, words=videos.STATUS_WORDS, price=videos.price,
    table=AvatarVideoRow, record=videos.video, build=build, present=video_out, out=VideoOut,
    routes=Routes("/api/v1/video", "avatar videos", (
        Start(("generate",), GenerateBody, "Render a lip-synced avatar video; returns the record at once (status "
                                           "init), poll video/awsResult",
              errors=(503,)),  # a text's language is checked by the model server
        Detail("awsResult", by="body", as_list=True, summary="One video's record, as a one-element array "
                                                             "(A2E's shape)"),
        Records("awsList", paging=CURRENT, methods=("GET", "POST"), summary="Your videos, newest first"),
        Detail("detail", by="query", query="video_id"),
        Cancel(summary="Stop a video: one not started yet is cancelled and refunded; a rendering one stops shortly"),
        Delete(summary="Not started: cancelled and refunded. Finished: deleted with its files. Rendering: refused "
                       "(cancel it)"),
    )),
)
