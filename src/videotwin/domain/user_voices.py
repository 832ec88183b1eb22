"""Cloned voices: a task record per voice, trained by a job of kind voice.clone, one training per
user at a time. The status words are A2E's voice-clone words, derived from the job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from videotwin.config import Prices
from videotwin.db.tables import JobRow, UserVoiceRow
from videotwin.domain import jobs
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import Submission
from videotwin.errors import BadInput, Conflict
from videotwin.ids import is_id, utcnow
from videotwin.pipelines import voice_clone
from videotwin.speech import voices as public_voices
from videotwin.speech.tts import CloneProfile
from videotwin.storage.fetch import check_url

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

MAX_VOICE_URLS = 10
MAX_NAME_CHARS = 128
GENDERS = ("female", "male")
# A2E's voice-clone words: sent (accepted), pendding (sic; waiting again after a worker stopped), ...
STATUS_WORDS = jobs.StatusWords(accepted="sent", requeued="pendding")


@dataclass(frozen=True)
class UserVoice:
    id: str
    owner_id: str
    name: str
    gender: str
    language: str
    denoise: bool
    voice_urls: list[str]
    base_voice_id: str
    created_at: datetime
    updated_at: datetime
    job: Job

    @property
    def current_status(self) -> str:
        return STATUS_WORDS.of(self.job)

    @cached_property
    def profile(self) -> CloneProfile | None:
        learned = self.job.result(voice_clone.Outputs)
        return learned.profile if learned is not None else None


def voice(session: Session, row: UserVoiceRow, job: Job) -> UserVoice:
    return UserVoice(row.id, row.owner_id, row.name, row.gender, row.language, row.denoise, list(row.voice_urls),
                     row.base_voice_id, row.created_at, row.updated_at, job)


def validate_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise BadInput("name", f"must be 1-{MAX_NAME_CHARS} characters, got {len(name)}")
    return name


def price(prices: Prices, inputs: voice_clone.Inputs) -> Cost | None:
    return Cost("coins", prices.voice_clone_coins) if prices.voice_clone_coins else None


def submission(services: Services, *, name: str, voice_urls: list[str], gender: str, language: str | None,
               denoise: bool, webhook_url: str | None = None, webhook_token: str | None = None) -> Submission:
    """The input builder: check a voice-training request and pick the base voice."""
    name = validate_name(name)
    if not 1 <= len(voice_urls) <= MAX_VOICE_URLS:
        raise BadInput("voice_urls", f"give 1-{MAX_VOICE_URLS} audio URLs, got {len(voice_urls)}")
    for i, url in enumerate(voice_urls):
        check_url(url, f"voice_urls[{i}]")
    if gender not in GENDERS:
        raise BadInput("gender", f"{gender!r} is not one of {', '.join(GENDERS)}")
    language = (language or "en").split("-")[0].lower()
    base = public_voices.clone_base(language, gender)
    if base is None:
        spoken = ", ".join(sorted({v.language for v in public_voices.VOICES}))
        raise BadInput("language", f"{language!r} has no voice to clone onto; supported: {spoken}")
    inputs = voice_clone.Inputs(voice_urls=voice_urls, gender=gender, language=language, denoise=denoise,
                                base_voice_id=base.id)
    return Submission(inputs=inputs, name=name, webhook_url=webhook_url, webhook_token=webhook_token, columns={
        "name": name, "gender": gender, "language": language, "denoise": denoise, "voice_urls": voice_urls,
        "base_voice_id": base.id, "updated_at": utcnow()})


def admit(session: Session, owner_id: str, submission: Submission) -> None:
    """One voice training at a time per user (checked in the transaction that records the new one)."""
    busy = session.scalar(select(JobRow.id).where(
        JobRow.owner_id == owner_id, JobRow.kind == voice_clone.KIND, JobRow.status.in_((jobs.QUEUED, jobs.RUNNING))))
    if busy:
        raise Conflict("a voice training is already in progress; wait until it completes or fails")


def usable(session: Session, owner_id: str, voice_id: str, field: str = "user_voice_id") -> UserVoice:
    """A completed voice of this owner, or a clear error naming `field`."""
    row = session.get(UserVoiceRow, voice_id) if is_id(voice_id) else None
    if row is None or row.owner_id != owner_id:
        raise BadInput(field, f"no voice {voice_id!r} (it may have been deleted)")
    found = voice(session, row, Job.from_row(session.get(JobRow, row.job_id)))
    if found.current_status != "completed":
        raise BadInput(field, f"voice {voice_id!r} is {found.current_status}, not completed; it cannot speak yet")
    return found


def rename(row: UserVoiceRow, name: str) -> None:
    row.name = validate_name(name)
    row.updated_at = utcnow()
