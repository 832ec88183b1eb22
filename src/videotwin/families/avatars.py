"""userVideoTwin: avatars made from a video or a photo (A2E's "video twin")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from videotwin.db.tables import VideoTwinRow
from videotwin.domain import avatars, jobs
from videotwin.domain.tasks import Deletion, Submission
from videotwin.families.base import Batch, Delete, Detail, Family, Listing, Records, Retry, Routes, Start, UrlFor
from videotwin.pipelines import avatar_create
from videotwin.wire.avatars import StartTrainingBody, TwinOut
from videotwin.wire.presenters import task_fields, url_or_none

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

# records?status= words -> job states (of the making)
STATUS_FILTER = {"pending": (jobs.QUEUED,), "processing": (jobs.RUNNING,), "completed": (jobs.SUCCEEDED,),
                 "failed": (jobs.FAILED, jobs.CANCELLED)}


def build(services: Services, owner_id: str, body: StartTrainingBody) -> Submission:
    return avatars.submission(services, name=body.name, gender=body.gender, video_url=body.video_url,
                              image_url=body.image_url, background_image=body.video_background_image,
                              background_color=body.video_background_color, webhook_url=body.webhook_url,
                              webhook_token=body.webhook_token)


def twin_out(t: avatars.Twin, url_for: UrlFor) -> TwinOut:
    files = t.pack.files if t.pack else None
    model = t.model
    return TwinOut(
        id=t.id, name=t.name, gender=t.gender, current_status=t.current_status,
        video_url=t.source_url if t.source_kind == "video" else None,
        image_url=t.source_url if t.source_kind == "image" else None,
        anchor_id=t.anchor_id if t.ready else None,
        preview_result_url=url_or_none(url_for, files and files.preview),
        video_cover=url_or_none(url_for, files and files.cover),
        video_backgroud_image=t.background_image, video_backgroud_color=t.background_color,
        video_background_image=t.background_image, video_background_color=t.background_color,
        lipsync_model=model.kind if model and t.ready else None, lipsync_model_id=model.model_id if model else None,
        lipsync_model_reason=model.reason if model and t.ready else None,
        **task_fields(t.latest_job, t.created_at))


FAMILY = Family(
    noun="avatar", pipeline=avatar_create.PIPELINE, words=avatars.STATUS_WORDS, price=avatars.price,
    table=VideoTwinRow, record=avatars.twin, build=build, present=twin_out, out=TwinOut,
    deletion=Deletion.STOP, attach=avatars.attach_anchor, detach=avatars.detach, in_progress=avatars.in_progress,
    routes=Routes("/api/v1/userVideoTwin", "avatars", (
        Start(("startTraining",), StartTrainingBody, "Make an avatar from a video (or a photo): returns the "
                                                     "record at once; the preview follows (current_status)"),
        Records("records", filters=STATUS_FILTER, summary="Your avatars, newest first, optionally by status"),
        Records("userRecords", filters=STATUS_FILTER, summary="Your avatars, newest first (the name A2E's web "
                                                              "app uses; the same list as records)"),
        Listing("trainingRecords", summary="Avatars being made or trained"),
        Listing("list", (jobs.QUEUED, jobs.RUNNING, jobs.SUCCEEDED, jobs.FAILED, jobs.CANCELLED),
                "Every avatar of yours, newest first, as a plain array (what published A2E clients read)"),
        Batch(),
        Delete("remove", "Delete the avatar, its anchor, its personalised models and every file (what runs "
                         "is stopped; what has not started is refunded)"),
        Retry(),
        Detail(),
    )),
)
