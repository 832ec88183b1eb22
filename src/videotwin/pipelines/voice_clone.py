"""voice.clone: learn a cloned voice from reference speech (userVoice/training), or from the footage
of one of the owner's avatars (userVideoTwin/addVoiceClone).

1. fetch every reference URL (audio or video); refuse references longer together than the limit
   from their metadata, before decoding; decode to mono at the base voice's rate. An avatar's
   footage is read from the store instead, and only its first `limit` seconds are used (footage may
   be longer than a voice reference may)
2. check it: at least 3 s of sound, at most the limit, not silent; clean it with DeepFilterNet if asked
3. measure the speaker's pitch range (it also proves the reference is speech)
4. a Kokoro base voice: blend Kokoro's stock styles towards the speaker by a speaker embedder, then
   refine with pitch, formants and recording colour where that comes closer (clone.fit_kokoro);
   other base voices (formant voices): fit the formant ratio and equaliser that turn the base
   voice into the speaker, with WORLD (clone.fit)
The profile is the job's output; send_tts and video/generate apply it to the base voice's speech."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from videotwin.errors import InputFetchError
from videotwin.inference.denoise import DeepFilterNet
from videotwin.media.audio import MediaError, decode, rms_dbfs
from videotwin.media.probe import probe_media
from videotwin.pipelines import steps
from videotwin.pipelines.base import JobContext, JobInputs, JobOutputs, Pipeline, PipelineError
from videotwin.speech import clone, voices
from videotwin.speech.tts import CloneProfile, Synthesizer

KIND = "voice.clone"
MIN_REFERENCE_SECONDS = 3.0
# Quieter than this over the whole reference counts as silence (full scale = 0 dBFS).
SILENCE_DBFS = -50.0
ERR_BAD_REFERENCE = 10
ERR_FOOTAGE = 11
ADVICE = "a few minutes of clear speech is plenty (30 s or more gives the best clone)"


class AvatarFootage(BaseModel):
    """An avatar's footage as the reference (userVideoTwin/addVoiceClone)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    twin_id: str
    key: str  # the footage's blob key, in the avatar's pack


class Inputs(JobInputs):
    voice_urls: list[str] = []
    footage: AvatarFootage | None = None  # instead of voice_urls
    gender: Literal["female", "male"] = "female"
    language: str
    denoise: bool = False
    base_voice_id: str  # the public voice the clone is built on (voices.clone_base)


class Outputs(JobOutputs):
    profile: CloneProfile
    reference_seconds: float
    mean_f0_hz: float
    # How close the clone came to the reference by the speaker embedder (cosine; the same person
    # scores about 0.87, two people about 0.42); None for WORLD-only clones.
    similarity: float | None = None
    start_voice: str | None = None  # the stock Kokoro voice closest to the reference, where the blend began


def run(ctx: JobContext, inputs: Inputs) -> Outputs:
    base = voices.get(inputs.base_voice_id)
    if base is None:
        raise PipelineError(f"the base voice {inputs.base_voice_id!r} no longer exists")
    sr = Synthesizer(ctx.models).sample_rate(base)
    footage = inputs.footage
    audio = _footage_reference(ctx, footage, sr) if footage else _url_references(ctx, inputs.voice_urls, sr)
    seconds = audio.size / sr
    ctx.progress(0.3)
    if inputs.denoise:
        audio = ctx.models.predict(DeepFilterNet, audio, sr)
    ctx.progress(0.4)
    try:
        speaker = clone.speaker_stats(audio, sr)
    except (clone.ReferenceError, ValueError) as exc:
        if footage:
            raise PipelineError(no_speech_message(footage.twin_id, str(exc)), ERR_FOOTAGE) from None
        raise PipelineError(f"voice_urls: {exc}; the reference must be speech", ERR_BAD_REFERENCE) from None
    ctx.progress(0.45)
    if base.engine == "kokoro":
        fitted = clone.fit_kokoro(ctx.models, audio, sr, speaker, base,
                                  progress=lambda f: ctx.progress(0.45 + 0.5 * f))
        return Outputs(profile=fitted.profile, reference_seconds=round(seconds, 2),
                       mean_f0_hz=round(fitted.mean_f0_hz, 1), similarity=round(fitted.similarity, 3),
                       start_voice=fitted.start_voice)
    base_stats = ctx.models.predict(clone.VoiceCalibration, variant=base.id)
    ctx.progress(0.9)
    profile = dataclasses.replace(clone.fit(speaker, base_stats), base_voice_id=base.id)
    return Outputs(profile=profile, reference_seconds=round(seconds, 2),
                   mean_f0_hz=round(float(np.exp(profile.log_f0_mean)), 1))


def _url_references(ctx: JobContext, urls: list[str], sr: int) -> np.ndarray:
    """The references at `urls`, joined: refused when not sound, too long together, too short or silent."""
    limit = ctx.settings.max_voice_reference_seconds
    # Every reference is fetched and its length read from its metadata before any is decoded: the
    # references together may be at most `limit` long.
    sources, declared = [], 0.0
    for i, url in enumerate(urls):
        ctx.check()
        dest, field = ctx.workdir / f"ref{i}", f"voice_urls[{i}]"
        try:
            ctx.fetch(url, dest, field=field, accept=["audio", "video"])
        except InputFetchError as exc:
            raise PipelineError(exc.message, ERR_BAD_REFERENCE) from None
        declared += steps.probe_sound(dest, field, ERR_BAD_REFERENCE)
        if declared > limit + steps.PROBE_SLACK_SECONDS:
            raise steps.too_long("voice_urls", declared, limit, ERR_BAD_REFERENCE, ADVICE)
        sources.append((dest, field))
        ctx.progress(0.15 * (i + 1) / len(urls))
    pieces, left = [], limit + 1.0  # one second past the limit tells "too long" apart
    for dest, field in sources:
        try:
            pieces.append(decode(dest, sr, max_seconds=left))
        except MediaError as exc:
            raise PipelineError(f"{field}: {exc}", ERR_BAD_REFERENCE) from None
        left -= pieces[-1].size / sr
        if left <= 0:
            break
    audio = np.concatenate(pieces)
    seconds = audio.size / sr
    if seconds > limit:
        raise steps.too_long("voice_urls", seconds, limit, ERR_BAD_REFERENCE, ADVICE)
    if seconds < MIN_REFERENCE_SECONDS:
        raise PipelineError(f"voice_urls: the reference audio is {seconds:.1f} s long; at least "
                            f"{MIN_REFERENCE_SECONDS:g} s of speech is needed (30 s or more gives the best clone)",
                            ERR_BAD_REFERENCE)
    if rms_dbfs(audio) < SILENCE_DBFS:
        raise PipelineError("voice_urls: the reference audio is silent; record the speaker talking",
                            ERR_BAD_REFERENCE)
    return audio


def _footage_reference(ctx: JobContext, footage: AvatarFootage, sr: int) -> np.ndarray:
    source = ctx.download(footage.key, f"_id: the footage of avatar {footage.twin_id!r} is gone (was the avatar "
                                       "removed?); add the voice from an avatar you have", ERR_FOOTAGE)
    ctx.progress(0.1)
    try:
        return footage_sound(source, sr, ctx.settings.max_voice_reference_seconds)
    except NoSpeech as exc:
        raise PipelineError(no_speech_message(footage.twin_id, exc.why), ERR_FOOTAGE) from None


class NoSpeech(Exception):
    """An avatar's footage has no speech to learn a voice from; `why` says what it lacks."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def footage_sound(path: Path, sample_rate: int, max_seconds: float) -> np.ndarray:
    """The sound of an avatar's footage as a voice reference: at most its first `max_seconds`, mono at
    `sample_rate`. NoSpeech when it has no sound track, too little sound, or silence. The API checks
    this before it queues a training (domain/user_voices.py), and the training again."""
    try:
        has_sound = probe_media(path).has_audio
    except MediaError:
        raise NoSpeech("it is no longer readable as a video") from None
    if not has_sound:
        raise NoSpeech("it has no sound track")
    try:
        audio = decode(path, sample_rate, max_seconds=max_seconds)
    except MediaError:
        raise NoSpeech("its sound track cannot be decoded") from None
    seconds = audio.size / sample_rate
    if seconds < MIN_REFERENCE_SECONDS:
        raise NoSpeech(f"it has only {seconds:.1f} s of sound; at least {MIN_REFERENCE_SECONDS:g} s of "
                       "speech is needed")
    if rms_dbfs(audio) < SILENCE_DBFS:
        raise NoSpeech("its sound track is silent")
    return audio


def no_speech_message(twin_id: str, why: str) -> str:
    return (f"_id: the footage of avatar {twin_id!r} has no speech to learn a voice from: {why}; use an avatar "
            "made from a video of the person talking, or clone the voice from a recording with userVoice/training")


PIPELINE = Pipeline(KIND, Inputs, Outputs, run)
