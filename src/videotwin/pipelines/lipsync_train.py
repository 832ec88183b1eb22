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

from videotwin.lipsync import animate, personal
from videotwin.lipsync.model import SAMPLE_RATE_HZ
from videotwin.media.audio import MediaError, decode, rms_dbfs
from videotwin.pipelines.base import JobContext, PipelineError

ERR_FOOTAGE = 40
# Footage quieter than this overall has no speech to learn from (dBFS).
MIN_SPEECH_DBFS = -45.0


def run(ctx: JobContext) -> dict:
    files = ctx.inputs["files"]
    for name in ("footage", "track"):
        if not files.get(name) or not ctx.blobs.exists(files[name]):
            raise PipelineError("_id: the avatar's footage is gone (was it removed?)", ERR_FOOTAGE)
    try:
        audio = decode(ctx.blobs.local_path(files["footage"]), SAMPLE_RATE_HZ)
    except MediaError:
        raise PipelineError("_id: the avatar's footage has no sound, so there is no speech to learn the mouth "
                            "from; make the avatar from a video of the person talking", ERR_FOOTAGE) from None
    track = animate.load_track(ctx.blobs.local_path(files["track"]))
    opening, fps = track.mouth_opening(), track.fps
    ctx.progress(0.05)
    if rms_dbfs(audio) < MIN_SPEECH_DBFS:
        return _universal_stays("the footage is (nearly) silent: there is no speech to learn from")
    try:
        outcome = personal.train(audio, fps, opening, ctx.settings.models_dir,
                                 progress=lambda f: ctx.progress(0.05 + 0.9 * f), check=ctx.check)
    except (np.linalg.LinAlgError, ValueError) as exc:
        return _universal_stays(f"training could not fit a model ({exc})")
    files_out = {}
    if outcome.model is not None:
        files_out["model"] = ctx.output_key("lipsync-model.npz")
        path = ctx.workdir / "lipsync-model.npz"
        outcome.model.save(path)
        ctx.blobs.put_file(files_out["model"], path, "application/octet-stream")
    return {"files": files_out, "use": outcome.use, "reason": outcome.reason, "metrics": outcome.metrics()}


def _universal_stays(why: str) -> dict:
    return {"files": {}, "use": False, "reason": f"{why}; the universal model stays in use", "metrics": {}}
