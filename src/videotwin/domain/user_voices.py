"""Cloned voices: a record per voice, trained by a job of kind voice.clone, one training per user
at a time. The status words are A2E's voice-clone words, derived from the job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from videotwin.db.tables import JobRow, UserVoiceRow
from videotwin.domain import jobs
from videotwin.domain.errors import BadInput, Conflict, InvalidState, NotFound
from videotwin.domain.ids import is_id, new_id, utcnow
from videotwin.speech import voices as public_voices
from videotwin.storage.fetch import check_url

if TYPE_CHECKING:
    from videotwin.runtime import Runtime

KIND = "voice.clone"
MAX_VOICE_URLS = 10
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
    job: jobs.Job

    @property
    def current_status(self) -> str:
        return STATUS_WORDS.of(self.job)

    @property
    def profile(self) -> dict[str, Any] | None:
        return self.job.outputs.get("profile") if self.job.status == jobs.SUCCEEDED else None


def _voice(row: UserVoiceRow, job: JobRow) -> UserVoice:
    return UserVoice(row.id, row.owner_id, row.name, row.gender, row.language, row.denoise, list(row.voice_urls),
                     row.base_voice_id, row.created_at, row.updated_at, jobs.Job.from_row(job))


def validate_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 128:
        raise BadInput("name", f"must be 1-128 characters, got {len(name)}")
    return name


def start_training(runtime: Runtime, *, owner_id: str, name: str, voice_urls: list[str], gender: str,
                   language: str | None, denoise: bool, webhook_url: str | None = None,
                   webhook_token: str | None = None) -> UserVoice:
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
    price = runtime.settings.prices.voice_clone_coins
    with runtime.db.write() as session:
        busy = session.scalar(select(JobRow.id).where(
            JobRow.owner_id == owner_id, JobRow.kind == KIND, JobRow.status.in_((jobs.QUEUED, jobs.RUNNING))))
        if busy:
            raise Conflict("a voice training is already in progress; wait until it completes or fails")
        job = jobs.submit(
            session, owner_id=owner_id, kind=KIND, name=name, max_attempts=runtime.settings.job_max_attempts,
            inputs={"voice_urls": voice_urls, "gender": gender, "language": language, "denoise": denoise,
                    "base_voice_id": base.id},
            cost=jobs.Cost("coins", price) if price else None, webhook_url=webhook_url, webhook_token=webhook_token,
        )
        now = utcnow()
        row = UserVoiceRow(id=new_id(), owner_id=owner_id, job_id=job.id, name=name, gender=gender,
                           language=language, denoise=denoise, voice_urls=voice_urls, base_voice_id=base.id,
                           created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        voice = _voice(row, session.get(JobRow, job.id))
    runtime.queue.enqueue(job.id)
    return voice


def _owned(session: Session, owner_id: str, voice_id: str) -> tuple[UserVoiceRow, JobRow]:
    row = session.get(UserVoiceRow, voice_id) if is_id(voice_id) else None
    job = session.get(JobRow, row.job_id) if row is not None else None
    if row is None or row.owner_id != owner_id or job is None:
        raise NotFound(f"_id: no voice {voice_id!r}")
    return row, job


def get(session: Session, owner_id: str, voice_id: str) -> UserVoice:
    return _voice(*_owned(session, owner_id, voice_id))


def usable(session: Session, owner_id: str, voice_id: str, field: str = "user_voice_id") -> UserVoice:
    """A completed voice of this owner, or a clear error naming `field`."""
    row = session.get(UserVoiceRow, voice_id) if is_id(voice_id) else None
    if row is None or row.owner_id != owner_id:
        raise BadInput(field, f"no voice {voice_id!r} (it may have been deleted)")
    voice = _voice(row, session.get(JobRow, row.job_id))
    if voice.current_status != "completed":
        raise BadInput(field, f"voice {voice_id!r} is {voice.current_status}, not completed; it cannot speak yet")
    return voice


def list_voices(session: Session, owner_id: str, *, completed: bool) -> list[UserVoice]:
    rows = session.execute(
        select(UserVoiceRow, JobRow).join(JobRow, JobRow.id == UserVoiceRow.job_id)
        .where(UserVoiceRow.owner_id == owner_id,
               (JobRow.status == jobs.SUCCEEDED) if completed else (JobRow.status != jobs.SUCCEEDED))
        .order_by(UserVoiceRow.created_at.desc(), UserVoiceRow.id.desc())
    ).all()
    return [_voice(r, j) for r, j in rows]


def rename(session: Session, owner_id: str, voice_id: str, name: str) -> UserVoice:
    row, job = _owned(session, owner_id, voice_id)
    row.name = validate_name(name)
    row.updated_at = utcnow()
    return _voice(row, job)


def delete(session: Session, owner_id: str, voice_id: str) -> None:
    """Delete a voice. A training still queued is cancelled and refunded; a running one cannot be
    deleted until it ends (as A2E does with tasks in progress)."""
    row, job = _owned(session, owner_id, voice_id)
    if job.status == jobs.RUNNING:
        raise InvalidState(f"_id: voice {voice_id!r} is training; delete it when the training has ended")
    if job.status == jobs.QUEUED:
        jobs.cancel(session, owner_id, job.id)
    session.delete(row)
