"""lipsync.train: a personalised lip-sync model for one avatar (userVideoTwin/continueTraining).

1. the avatar's footage: its sound (16 kHz) and its tracked mouth opening per frame (from the pack)
2. fit the personalised model on all but the last part of it (lipsync/personal.py), with progress
   and cancel between steps
3. compare both models on the held-out last part; store the model and the verdict in the job's
   outputs. The domain reads the verdict: the anchor speaks with the personalised model only if it
   was better (domain/lipsync_models.py). A run that could not learn anything useful (no fit,
   too little speech) still ends completed, saying the universal model stays in use."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from videotwin.inference.vad import SileroVad
from videotwin.inference.whisper import Whisper
from videotwin.lipsync import animate, personal
from videotwin.lipsync.model import SAMPLE_RATE_HZ
from videotwin.media.audio import MediaError, decode, rms_dbfs
from videotwin.pipelines.base import JobContext, JobInputs, JobOutputs, Pipeline, PipelineError

KIND = "lipsync.train"
ERR_FOOTAGE = 40
# Footage quieter than this overall has no speech to learn from (dBFS).
MIN_SPEECH_DBFS = -45.0


class Footage(BaseModel):
    """Blob keys of the avatar's footage and its track (from its pack)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    footage: str | None = None
    track: str | None = None


class Inputs(JobInputs):
    twin_id: str
    files: Footage


class ModelFiles(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    model: str | None = None  # the personalised model, when one could be fitted


class Outputs(JobOutputs):
    files: ModelFiles = ModelFiles()
    use: bool  # better than the universal model on the held-out footage: the avatar speaks with it
    reason: str
    metrics: dict = {}


def run(ctx: JobContext, inputs: Inputs) -> Outputs:
    gone = "_id: the avatar's footage is gone (was it removed?)"
    source = ctx.download(inputs.files.footage, gone, ERR_FOOTAGE)
    track = animate.load_track(ctx.download(inputs.files.track, gone, ERR_FOOTAGE))
    try:
        audio = decode(source, SAMPLE_RATE_HZ)
    except MediaError:
        raise PipelineError("_id: the avatar's footage has no sound, so there is no speech to learn the mouth "
                            "from; make the avatar from a video of the person talking", ERR_FOOTAGE) from None
    opening, fps = track.mouth_opening(), track.fps
    ctx.progress(0.05)
    if rms_dbfs(audio) < MIN_SPEECH_DBFS:
        return _universal_stays("the footage is (nearly) silent: there is no speech to learn from")
    try:
        with ctx.models.use(Whisper) as whisper, ctx.models.use(SileroVad) as vad:
            outcome = personal.train(audio, fps, opening, whisper, vad, progress=ctx.span(0.05, 0.95),
                                     check=ctx.check)
    except (np.linalg.LinAlgError, ValueError) as exc:
        return _universal_stays(f"training could not fit a model ({exc})")
    files = ModelFiles()
    if outcome.model is not None:
        path = ctx.workdir / "lipsync-model.npz"
        outcome.model.save(path)
        files = ModelFiles(model=ctx.store(path, "application/octet-stream"))
    return Outputs(files=files, use=outcome.use, reason=outcome.reason, metrics=outcome.metrics())


def _universal_stays(why: str) -> Outputs:
    return Outputs(use=False, reason=f"{why}; the universal model stays in use")


PIPELINE = Pipeline(KIND, Inputs, Outputs, run)
