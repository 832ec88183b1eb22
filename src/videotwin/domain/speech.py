"""Text-to-speech and language detection as use cases: validation, voice resolution, charging,
storage. The speaking and the detecting are the model server's (services.inference)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from videotwin.domain import credits, user_voices
from videotwin.errors import BadInput, NotFound, Unavailable
from videotwin.ids import is_id, new_id
from videotwin.speech import scripts, voices
from videotwin.speech.tts import MAX_TTS_CHARS, CloneProfile, split_sentences
from videotwin.storage.keys import user_prefix

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

MIN_SPEECH_RATE, MAX_SPEECH_RATE = 0.5, 2.0
MAX_CLASSIFY_CHARS = 5000
# Voice samples are made once and kept here, shared by every user (they say the same for everyone).
SAMPLE_PREFIX = "system/voice_samples/"
# Part of every sample's key: raise it when the way samples are made changes (say, a new model), so
# that the kept ones are made again. What they say and the voice's settings are in the key already.
SAMPLE_RECIPE_VERSION = 1
SAMPLE_DIGEST_CHARS = 16
# A request waiting for another to finish making the same sample looks again this often.
SAMPLE_LOCK_POLL_SECONDS = 0.1
# ... and waits at most this long beyond the model server's own time limit.
SAMPLE_LOCK_SLACK_SECONDS = 10.0


def check_speakable(text: str, field: str) -> None:
    """Refuse a text with no word in it (only punctuation, symbols or emoji) before anything is charged."""
    if not split_sentences(text):
        raise BadInput(field, f"{text[:80]!r} has no word in it (only punctuation or symbols); give the text to "
                              "speak")


@dataclass(frozen=True)
class TtsRequest:
    """A send_tts call, checked: what to say and with which voice."""

    text: str
    voice: voices.PublicVoice
    profile: CloneProfile | None
    speech_rate: float


def check_request(services: Services, *, owner_id: str, msg: str, tts_id: str | None, user_voice_id: str | None,
                  speech_rate: float) -> TtsRequest:
    """Everything send_tts checks before it charges and speaks (also what generation/quote checks)."""
    text = msg.strip()
    if not text:
        raise BadInput("msg", "is empty; give the text to speak")
    if len(text) > MAX_TTS_CHARS:
        raise BadInput("msg", f"is {len(text)} characters; at most {MAX_TTS_CHARS} are accepted per call")
    check_speakable(text, "msg")
    if (tts_id is None) == (user_voice_id is None):
        raise BadInput("tts_id", "give exactly one of tts_id (a public voice) or user_voice_id (a cloned voice)")
    if not MIN_SPEECH_RATE <= speech_rate <= MAX_SPEECH_RATE:
        raise BadInput("speechRate", f"{speech_rate} is outside {MIN_SPEECH_RATE}-{MAX_SPEECH_RATE}")
    voice, profile = resolve_voice(services, owner_id, tts_id, user_voice_id)
    problem = scripts.language_problem(text, voice.language, services.inference.detect_language)
    if problem:
        raise BadInput("msg", problem)
    return TtsRequest(text, voice, profile, speech_rate)


def send_tts(services: Services, *, owner_id: str, msg: str, tts_id: str | None, user_voice_id: str | None,
             speech_rate: float) -> str:
    """Speak `msg`; returns the blob key of a loudness-normalised MP3."""
    req = check_request(services, owner_id=owner_id, msg=msg, tts_id=tts_id, user_voice_id=user_voice_id,
                        speech_rate=speech_rate)
    price = services.settings.prices.tts_coins
    entry = None
    if price:
        with services.db.write() as session:
            entry = credits.spend(session, owner_id, "coins", price, note="send_tts")
    try:
        mp3 = services.inference.speak(req.text, req.voice.id, req.speech_rate, req.profile)
        key = f"{user_prefix(owner_id)}tts/{new_id()}.mp3"
        services.blobs.put_stream(key, [mp3], "audio/mpeg", max_bytes=len(mp3))
        return key
    except BaseException:
        if entry is not None:
            with services.db.write() as session:
                credits.grant(session, owner_id, "coins", price, reason=credits.REFUND, note="send_tts failed")
        raise


def resolve_voice(services: Services, owner_id: str, tts_id: str | None, user_voice_id: str | None,
                  field: str | None = None) -> tuple[voices.PublicVoice, CloneProfile | None]:
    """A public voice, or a cloned voice of this owner (its base voice and its profile)."""
    if tts_id is not None:
        voice = voices.get(tts_id)
        if voice is None:
            hint = " (an id like that is A2E's own or a cloned voice's: this server's public voices have ids such " \
                   "as en-US-jo, and a cloned voice goes in user_voice_id)" if is_id(tts_id) else ""
            raise BadInput(field or "tts_id", f"no public voice {tts_id!r}{hint}; anchor/voice_list lists them")
        return voice, None
    with services.db.read() as session:
        cloned = user_voices.usable(session, owner_id, user_voice_id, field=field or "user_voice_id")
    profile = cloned.profile
    voice = voices.get(profile.base_voice_id)
    if voice is None:
        raise BadInput(field or "user_voice_id", f"the voice's base voice {profile.base_voice_id!r} no longer exists")
    return voice, profile


def classify_language(services: Services, msg: str) -> str:
    text = msg.strip()
    if not text:
        raise BadInput("msg", "is empty; give the text whose language to detect")
    if len(text) > MAX_CLASSIFY_CHARS:
        raise BadInput("msg", f"is {len(text)} characters; at most {MAX_CLASSIFY_CHARS} are accepted")
    if not any(ch.isalpha() for ch in text):
        raise BadInput("msg", "has no letters in it, so it has no language")
    code, _confidence = services.inference.detect_language(text)
    if code is None:
        raise BadInput("msg", "its language could not be determined")
    return code


def sample_key(voice: voices.PublicVoice) -> str:
    """Where a voice's sample is kept: named by everything that makes it sound as it does, so a
    changed sentence, voice setting or recipe gets a new sample instead of the stale one."""
    recipe = [SAMPLE_RECIPE_VERSION, voice.id, voice.engine, voice.engine_voice, voice.phonemes, voice.target_f0_hz,
              voice.formant_ratio, voices.sample_text(voice.language)]
    digest = hashlib.sha256(json.dumps(recipe, ensure_ascii=False).encode()).hexdigest()[:SAMPLE_DIGEST_CHARS]
    return f"{SAMPLE_PREFIX}{voice.id}-{digest}.mp3"


def voice_sample(services: Services, tts_id: str) -> str:
    """The blob key of a public voice's sample (MP3): a short greeting in its language, made by the
    model server on the first request and kept, so later requests cost nothing. Requests that arrive
    while it is being made wait for it instead of making it again (a lock file in the data dir holds
    every process of this machine; API processes on other machines make their own at most once, and
    the store's writes are atomic, so they never leave a broken file)."""
    voice = voices.get(tts_id)
    if voice is None:
        raise NotFound(f"tts_id: no public voice {tts_id!r}; anchor/voice_list lists them")
    key = sample_key(voice)
    if services.blobs.exists(key):
        return key
    wait = services.settings.model_request_timeout_seconds + SAMPLE_LOCK_SLACK_SECONDS
    with _exclusive(services.settings.data_dir / "locks" / f"{key.rsplit('/', 1)[-1]}.lock", wait):
        if not services.blobs.exists(key):  # not made while we waited
            mp3 = services.inference.speak(voices.sample_text(voice.language), voice.id)
            services.blobs.put_stream(key, [mp3], "audio/mpeg", max_bytes=len(mp3))
    return key


@contextlib.contextmanager
def _exclusive(path: Path, wait_seconds: float) -> Iterator[None]:
    """Hold an exclusive lock on `path` (made if missing), waiting at most `wait_seconds` for it. The
    kernel lets go of it when its holder dies, so a killed request never leaves it locked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Unavailable(f"the voice sample is still being made after {wait_seconds:g} s; try "
                                      "again shortly") from None
                time.sleep(SAMPLE_LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
