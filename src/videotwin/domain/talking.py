"""Talking photos and talking videos: a photo or a video lip-synced to an audio in one call. Each is a
job (talking.photo / talking.video) with a record whose `_id` is the job's id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from videotwin.config import Prices
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import Submission
from videotwin.errors import BadInput
from videotwin.pipelines import talking
from videotwin.storage.fetch import check_url

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

# Footage for a talking video may be short (it loops), but not a flash.
MIN_TALKING_VIDEO_SECONDS = 2.0
PROMPTS_UNUSED = ("prompt, negative_prompt: kept, not used; the motion comes from the audio (lip-sync) and the "
                  "photo's own face")


@dataclass(frozen=True)
class Talking:
    id: str
    owner_id: str
    name: str
    created_at: datetime
    job: Job

    @cached_property
    def inputs(self) -> talking.Inputs:
        return self.job.inputs_as(talking.Inputs)

    @cached_property
    def result(self) -> talking.Outputs | None:
        return self.job.result(talking.Outputs)


def record(session: Session, row, job: Job) -> Talking:
    return Talking(row.id, row.owner_id, row.name, row.created_at, job)


def photo_price(prices: Prices, inputs: talking.Inputs) -> Cost | None:
    return Cost("coins", prices.talking_photo_coins) if prices.talking_photo_coins else None


def video_price(prices: Prices, inputs: talking.Inputs) -> Cost | None:
    return Cost("coins", prices.talking_video_coins) if prices.talking_video_coins else None


def submission(services: Services, *, source_kind: str, source_url: str, audio_url: str | None, seconds: int,
               name: str | None, prompt: str | None, negative_prompt: str | None, webhook_url: str | None,
               webhook_token: str | None) -> Submission:
    """The input builder: check what can be checked without the media."""
    field = "image_url" if source_kind == "image" else "video_url"
    check_url(source_url, field)
    audio_url = audio_url if audio_url and audio_url.strip() else None
    if audio_url is not None:
        check_url(audio_url, "audio_url")
    elif source_kind == "video":
        raise BadInput("audio_url", "is needed: a talking video says the audio at audio_url (any audio file)")
    notes = (PROMPTS_UNUSED,) if (prompt or negative_prompt) else ()
    inputs = talking.Inputs(
        source_kind=source_kind, source_url=source_url, audio_url=audio_url, seconds=float(seconds),
        min_footage_seconds=MIN_TALKING_VIDEO_SECONDS, max_audio_seconds=services.settings.max_video_audio_seconds,
        prompt=prompt, negative_prompt=negative_prompt, notes=notes)
    title = (name or "").strip() or ("Talking photo" if source_kind == "image" else "Talking video")
    return Submission(inputs=inputs, name=title, webhook_url=webhook_url, webhook_token=webhook_token,
                      columns={"name": title})
