"""Wire shapes of talking photos and talking videos (talkingPhoto/*, talkingVideo/*)."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from videotwin.wire.common import Body, TaskFields

# How long a talking photo without audio lasts, seconds (A2E: 1-20, default 3). Clients send 0 for
# "as long as the audio" (published A2E clients do), which without audio means the default.
MIN_DURATION_SECONDS, MAX_DURATION_SECONDS, DEFAULT_DURATION_SECONDS = 0, 20, 3


class _TalkingBody(Body):
    name: str | None = Field(default=None, max_length=128)
    audio_url: str | None = Field(default=None, max_length=2048, description="the speech to lip-sync (any audio)")
    duration: int = Field(default=DEFAULT_DURATION_SECONDS, ge=MIN_DURATION_SECONDS, le=MAX_DURATION_SECONDS,
                          description="without audio_url: how long the photo comes alive (silent), seconds; "
                                      "0: as long as the audio (without audio: 3 s). With audio_url the video is "
                                      "as long as the audio")
    prompt: str | None = Field(default=None, max_length=2000, description="accepted and kept; not used here")
    negative_prompt: str | None = Field(default=None, max_length=2000,
                                        validation_alias=AliasChoices("negative_prompt", "negative_prmpt"),
                                        description="accepted and kept; not used here")
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_token: str | None = Field(default=None, max_length=256)


class TalkingPhotoBody(_TalkingBody):
    image_url: str = Field(max_length=2048, description="a portrait of one person facing the camera")


class TalkingVideoBody(_TalkingBody):
    video_url: str = Field(max_length=2048, description="a video of one person facing the camera (MP4 or MOV)")


class TalkingOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    name: str
    current_status: str = Field(description="initialized, processing, completed or failed")
    image_url: str | None = None
    video_url: str | None = None
    audio_url: str | None
    duration: float | None = Field(description="seconds: as asked (no audio), or of the result once made")
    prompt: str | None
    negative_prompt: str | None
    result_url: str | None = Field(description="the lip-synced video, once completed")
    cover_url: str | None = Field(description="a still of the face, once completed")
    notes: list[str] = Field(default=[], description="what was accepted but not used")
