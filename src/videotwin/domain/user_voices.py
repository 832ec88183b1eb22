"""Cloned voices: a task record per voice, trained by a job of kind voice.clone, one training per
user at a time. The status words are A2E's voice-clone words, derived from the job. A voice is
learned from reference recordings (userVoice/training) or from the footage of one of the owner's
avatars (userVideoTwin/addVoiceClone)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from videotwin.config import Prices
from videotwin.db.tables import JobRow, UserVoiceRow, VideoTwinRow
from videotwin.domain import jobs
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import Submission
from videotwin.errors import BadInput, Conflict, InvalidState, NotFound, echo
from videotwin.ids import is_id, utcnow
from videotwin.pipelines import voice_clone
from videotwin.pipelines.pack import AvatarPack
from videotwin.speech import voices as public_voices
from videotwin.speech.tts import CloneProfile
from videotwin.storage.fetch import check_url

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

MAX_VOICE_URLS = 10
MAX_NAME_CHARS = 128
DEFAULT_LANGUAGE = "en"
# A voice from an avatar is called after it: "<avatar name> voice".
AVATAR_VOICE_SUFFIX = " voice"
# The API checks an avatar's footage for speech before it queues a training when the footage is at
# most this large (copying and decoding it takes well under a second then); larger footage is
# checked by the training itself, which fails and refunds with the same message.
FOOTAGE_CHECK_MAX_BYTES = 256 * 1024 * 1024
# The footage's sound is checked at this rate (speech's level does not depend on it).
FOOTAGE_CHECK_RATE_HZ = 16000
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

    @property
    def twin_id(self) -> str | None:
        """The avatar whose footage the voice was learned from (userVideoTwin/addVoiceClone), if any."""
        footage = self.job.inputs.get("footage")
        return footage.get("twin_id") if isinstance(footage, dict) else None


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


def _base_voice(language: str | None, gender: str) -> tuple[str, public_voices.PublicVoice]:
    if gender not in GENDERS:
        raise BadInput("gender", f"{echo(gender)} is not one of {', '.join(GENDERS)}")
    language = (language or DEFAULT_LANGUAGE).split("-")[0].lower()
    base = public_voices.clone_base(language, gender)
    if base is None:
        spoken = ", ".join(sorted({v.language for v in public_voices.VOICES}))
        raise BadInput("language", f"{echo(language)} has no voice to clone onto; supported: {spoken}")
    return language, base


def _submission(inputs: voice_clone.Inputs, name: str, voice_urls: list[str], base: public_voices.PublicVoice,
                webhook_url: str | None, webhook_token: str | None) -> Submission:
    return Submission(inputs=inputs, name=name, webhook_url=webhook_url, webhook_token=webhook_token, columns={
        "name": name, "gender": inputs.gender, "language": inputs.language, "denoise": inputs.denoise,
        "voice_urls": voice_urls, "base_voice_id": base.id, "updated_at": utcnow()})


def submission(services: Services, *, name: str, voice_urls: list[str], gender: str, language: str | None,
               denoise: bool, webhook_url: str | None = None, webhook_token: str | None = None) -> Submission:
    """The input builder: check a voice-training request and pick the base voice."""
    name = validate_name(name)
    if not 1 <= len(voice_urls) <= MAX_VOICE_URLS:
        raise BadInput("voice_urls", f"give 1-{MAX_VOICE_URLS} audio URLs, got {len(voice_urls)}")
    for i, url in enumerate(voice_urls):
        check_url(url, f"voice_urls[{i}]")
    language, base = _base_voice(language, gender)
    inputs = voice_clone.Inputs(voice_urls=voice_urls, gender=gender, language=language, denoise=denoise,
                                base_voice_id=base.id)
    return _submission(inputs, name, voice_urls, base, webhook_url, webhook_token)


def from_avatar(services: Services, owner_id: str, twin_id: str, *, name: str | None, gender: str | None,
                language: str | None, denoise: bool, webhook_url: str | None = None,
                webhook_token: str | None = None) -> Submission:
    """The input builder of userVideoTwin/addVoiceClone: a voice training whose reference is the
    footage of one of the owner's avatars, ready and made from a video. Named "<avatar> voice"
    unless `name` is given; the avatar's gender unless `gender` is given; the language as
    userVoice/training's (default en)."""
    with services.db.read() as session:
        twin = session.get(VideoTwinRow, twin_id) if is_id(twin_id) else None
        if twin is None or twin.owner_id != owner_id:
            raise NotFound(f"_id: no avatar {twin_id!r}")  # as every avatar endpoint answers
        made = Job.from_row(session.get(JobRow, twin.job_id))
    if made.status in (jobs.QUEUED, jobs.RUNNING):
        raise InvalidState(f"_id: avatar {twin_id!r} is still being made; wait until its current_status is "
                           "completed (userVideoTwin/{_id}), then add its voice")
    pack = made.result(AvatarPack)
    if pack is None:
        raise InvalidState(f"_id: avatar {twin_id!r} could not be made (its failed_message says why), so it has no "
                           "footage to learn a voice from; retry it (userVideoTwin/retry) or use another avatar")
    if pack.kind != "video" or not pack.files.footage:
        raise BadInput("_id", f"avatar {twin_id!r} was made from a photo, so it has no footage of the person "
                              "speaking to learn a voice from; use an avatar made from a video, or clone the voice "
                              "from a recording with userVoice/training")
    name = validate_name(name) if name and name.strip() else \
        twin.name.strip()[:MAX_NAME_CHARS - len(AVATAR_VOICE_SUFFIX)] + AVATAR_VOICE_SUFFIX
    gender = gender or twin.gender
    language, base = _base_voice(language, gender)
    _check_footage(services, twin_id, pack.files.footage)  # last: it reads the footage
    inputs = voice_clone.Inputs(footage=voice_clone.AvatarFootage(twin_id=twin_id, key=pack.files.footage),
                                gender=gender, language=language, denoise=denoise, base_voice_id=base.id)
    # The record lists what the voice was learned from: the video the avatar was made from.
    return _submission(inputs, name, [twin.source_url], base, webhook_url, webhook_token)


def _check_footage(services: Services, twin_id: str, key: str) -> None:
    """Refuse footage without speech before anything is charged, where that is cheap to see."""
    info = services.blobs.stat(key)
    if info is None:
        raise InvalidState(f"_id: the footage of avatar {twin_id!r} is gone; make the avatar again")
    if info.size > FOOTAGE_CHECK_MAX_BYTES:
        return  # the training checks it (and refunds if it has no speech)
    tmp_root = services.settings.data_dir / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
        footage = Path(tmp) / "footage"
        services.blobs.download_to(key, footage)
        try:
            voice_clone.footage_sound(footage, FOOTAGE_CHECK_RATE_HZ, services.settings.max_voice_reference_seconds)
        except voice_clone.NoSpeech as exc:
            raise BadInput("_id", voice_clone.no_speech_message(twin_id, exc.why).removeprefix("_id: ")) from None


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
