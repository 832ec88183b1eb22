"""userVoice: cloned voices, trained from reference speech; and userVideoTwin/addVoiceClone, the same
voices trained from an avatar's footage."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from videotwin.db.tables import UserVoiceRow
from videotwin.domain import jobs, user_voices
from videotwin.domain.tasks import Deletion, Submission
from videotwin.families.base import Delete, Detail, Family, Listing, Routes, Start, UrlFor
from videotwin.pipelines import voice_clone
from videotwin.wire.presenters import task_fields
from videotwin.wire.speech import AddVoiceCloneBody, UserVoiceOut, VoiceTrainingBody

if TYPE_CHECKING:
    from videotwin.domain.ports import Services


def build(services: Services, owner_id: str, body: VoiceTrainingBody) -> Submission:
    return user_voices.submission(services, name=body.name, voice_urls=body.voice_urls, gender=body.gender,
                                  language=body.language, denoise=body.denoise, webhook_url=body.webhook_url,
                                  webhook_token=body.webhook_token)


def build_from_avatar(services: Services, owner_id: str, body: AddVoiceCloneBody) -> Submission:
    return user_voices.from_avatar(services, owner_id, body.id, name=body.name, gender=body.gender,
                                   language=body.language, denoise=body.denoise, webhook_url=body.webhook_url,
                                   webhook_token=body.webhook_token)


def voice_out(v: user_voices.UserVoice, url_for: UrlFor) -> UserVoiceOut:
    return UserVoiceOut(
        id=v.id, name=v.name, gender=v.gender, language=v.language, current_status=v.current_status,
        voice_urls=v.voice_urls, denoise=v.denoise, base_voice=v.base_voice_id, user_video_twin_id=v.twin_id,
        **task_fields(v.job, v.created_at),
    )


FAMILY = Family(
    noun="voice", pipeline=voice_clone.PIPELINE, words=user_voices.STATUS_WORDS, price=user_voices.price,
    table=UserVoiceRow, record=user_voices.voice, build=build, present=voice_out, out=UserVoiceOut,
    deletion=Deletion.DISCARD_QUEUED, admit=user_voices.admit,
    routes=Routes("/api/v1/userVoice", "TTS and voice clone", (
        Start(("training",), VoiceTrainingBody, "Clone a voice from reference speech (one training at a time "
                                                "per user)"),
        Listing("trainingRecord", (jobs.QUEUED, jobs.RUNNING, jobs.FAILED, jobs.CANCELLED),
                "Voices not (yet) completed: training, or failed with the reason"),
        Listing("completedRecord", (jobs.SUCCEEDED,), "Voices ready to speak (pass their _id as user_voice_id)"),
        Detail(),
        Delete(summary="Delete a voice (a training still queued is cancelled and refunded)"),
    )),
)

# The same group (its records, price, one-training-at-a-time rule and webhook record are userVoice's),
# started from an avatar: its record is a userVoice record, polled as every other one
# (userVoice/trainingRecord, userVoice/{_id}).
FROM_AVATAR = dataclasses.replace(FAMILY, build=build_from_avatar, routes=Routes("/api/v1/userVideoTwin", "avatars", (
    Start(("addVoiceClone",), AddVoiceCloneBody, "Clone the voice of one of your avatars from its footage's sound: "
                                                 "answers the new userVoice record (poll userVoice/trainingRecord "
                                                 "or userVoice/{_id}); priced and admitted as userVoice/training"),
)))
