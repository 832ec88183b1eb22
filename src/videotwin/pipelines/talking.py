"""talking.photo and talking.video: a photo or a video lip-synced to an audio in one call, without
making an avatar first (A2E's talkingPhoto/start and talkingVideo/start).

1. the avatar, made inside this job from the photo or the video, exactly as avatar.create makes one
   (the same checks: one face, facing the camera, large enough), without its preview
2. the speech: the audio at audio_url (refused when it is not sound, silent or too long); a talking
   photo without audio comes alive, silent, for `seconds`
3. the mouth motion with the universal lip-sync model, and the avatar saying it at its own size
   (a video shorter than the audio loops forward and back), H.264 + AAC."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from videotwin.lipsync.model import SAMPLE_RATE_HZ
from videotwin.media.audio import write_wav
from videotwin.pipelines import avatar_create, steps
from videotwin.pipelines.base import JobContext, JobInputs, JobOutputs, Pipeline

PHOTO_KIND, VIDEO_KIND = "talking.photo", "talking.video"
ERR_AUDIO = 30
ERR_SOURCE = avatar_create.ERR_FOOTAGE
# Progress: making the avatar, then the speech and its mouth motion, then rendering.
AVATAR_DONE, SPEECH_DONE, RENDER_DONE = 0.4, 0.5, 0.97


class Inputs(JobInputs):
    source_kind: Literal["image", "video"]
    source_url: str
    audio_url: str | None = None
    seconds: float = 3.0  # a talking photo without audio: how long, seconds
    gender: Literal["female", "male"] = "female"
    min_footage_seconds: float = 2.0
    max_audio_seconds: float = 1800.0
    # Kept on the record for A2E clients; no generative model uses them here (see docs/API.md).
    prompt: str | None = None
    negative_prompt: str | None = None
    notes: tuple[str, ...] = ()


class TalkingFiles(JobOutputs):
    result: str
    cover: str


class Outputs(JobOutputs):
    files: TalkingFiles
    duration: float
    fps: float
    width: int
    height: int


def run(ctx: JobContext, inputs: Inputs) -> Outputs:
    pack = avatar_create.run(ctx.step(0.0, AVATAR_DONE), avatar_create.Inputs(
        source_kind=inputs.source_kind, url=inputs.source_url, gender=inputs.gender,
        min_seconds=inputs.min_footage_seconds, preview=False))
    if inputs.audio_url:
        speech = steps.fetch_speech(ctx, inputs.audio_url, "audio_url", inputs.max_audio_seconds, ERR_AUDIO)
    else:
        speech = _silence(ctx, inputs.seconds)
    speaker = steps.avatar_speaker(ctx, pack.files, ERR_SOURCE)
    n_frames = max(1, math.ceil(speech.seconds * speaker.fps))
    z = steps.mouth_motion(ctx, speech, speaker.fps, n_frames)
    ctx.progress(SPEECH_DONE)

    out = ctx.workdir / "talking.mp4"
    steps.render(ctx, speaker, z, speech, out, progress=ctx.span(SPEECH_DONE, RENDER_DONE))
    files = TalkingFiles(result=ctx.store(out, "video/mp4"), cover=pack.files.cover)
    return Outputs(files=files, duration=round(speech.seconds, 3), fps=speaker.fps, width=speaker.size[0],
                   height=speaker.size[1])


def _silence(ctx: JobContext, seconds: float) -> steps.Speech:
    """No audio: silence of that length (the lip-sync model keeps the mouth closed in it)."""
    samples = np.zeros(int(round(seconds * SAMPLE_RATE_HZ)), np.float32)
    wav = ctx.workdir / "silence.wav"
    write_wav(wav, samples, SAMPLE_RATE_HZ)
    return steps.Speech(wav, samples)


PHOTO = Pipeline(PHOTO_KIND, Inputs, Outputs, run)
VIDEO = Pipeline(VIDEO_KIND, Inputs, Outputs, run)
