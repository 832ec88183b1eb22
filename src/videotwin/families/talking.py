"""talkingPhoto and talkingVideo: a photo or a video lip-synced to an audio in one call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from videotwin.db.tables import TalkingPhotoRow, TalkingVideoRow
from videotwin.domain import talking
from videotwin.domain.tasks import Submission
from videotwin.families.base import Batch, Delete, Detail, Family, Records, Routes, Start, UrlFor
from videotwin.pipelines import talking as pipeline
from videotwin.wire.presenters import GENERIC_WORDS, task_fields, url_or_none
from videotwin.wire.talking import DEFAULT_DURATION_SECONDS, TalkingOut, TalkingPhotoBody, TalkingVideoBody

if TYPE_CHECKING:
    from videotwin.domain.ports import Services


def build_photo(services: Services, owner_id: str, body: TalkingPhotoBody) -> Submission:
    return talking.submission(services, source_kind="image", source_url=body.image_url, audio_url=body.audio_url,
                              seconds=body.duration or DEFAULT_DURATION_SECONDS, name=body.name, prompt=body.prompt,
                              negative_prompt=body.negative_prompt, webhook_url=body.webhook_url,
                              webhook_token=body.webhook_token)


def build_video(services: Services, owner_id: str, body: TalkingVideoBody) -> Submission:
    return talking.submission(services, source_kind="video", source_url=body.video_url, audio_url=body.audio_url,
                              seconds=body.duration or DEFAULT_DURATION_SECONDS, name=body.name, prompt=body.prompt,
                              negative_prompt=body.negative_prompt, webhook_url=body.webhook_url,
                              webhook_token=body.webhook_token)


def talking_out(t: talking.Talking, url_for: UrlFor) -> TalkingOut:
    inputs, result = t.inputs, t.result
    files = result.files if result else None
    source = {"image_url" if inputs.source_kind == "image" else "video_url": inputs.source_url}
    return TalkingOut(
        id=t.id, name=t.name, current_status=GENERIC_WORDS.of(t.job), audio_url=inputs.audio_url,
        duration=result.duration if result else (None if inputs.audio_url else inputs.seconds),
        prompt=inputs.prompt, negative_prompt=inputs.negative_prompt,
        result_url=url_or_none(url_for, files and files.result), cover_url=url_or_none(url_for, files and files.cover),
        notes=list(inputs.notes), **source, **task_fields(t.job, t.created_at))


def _routes(prefix: str, tag: str, body) -> Routes:
    return Routes(prefix, tag, (
        Start(("start",), body, "Lip-sync it to the audio in one call; returns the record at once (current_status)"),
        Records("allRecords"), Batch(), Detail(), Delete()))


PHOTO = Family(
    noun="talking photo", pipeline=pipeline.PHOTO, words=GENERIC_WORDS, price=talking.photo_price,
    table=TalkingPhotoRow, record=talking.record, build=build_photo, present=talking_out, out=TalkingOut,
    routes=_routes("/api/v1/talkingPhoto", "talking photo", TalkingPhotoBody))
VIDEO = Family(
    noun="talking video", pipeline=pipeline.VIDEO, words=GENERIC_WORDS, price=talking.video_price,
    table=TalkingVideoRow, record=talking.record, build=build_video, present=talking_out, out=TalkingOut,
    routes=_routes("/api/v1/talkingVideo", "talking video", TalkingVideoBody))
