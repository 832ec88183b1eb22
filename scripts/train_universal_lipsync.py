"""Train the universal lip-shape model on the talking-head fixtures and write its weights.

    .venv/bin/python scripts/train_universal_lipsync.py

Writes src/videotwin/lipsync/weights/universal_logmel_ridge.npz and, beside it, a .json record of
the data, settings and leave-one-speaker-out scores (each clip scored by a model trained without it,
as the model is used: gated by voice activity), for this feature set and for log-mel alone.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES, TALKING_HEADS  # noqa: E402

from videotwin.config import Settings  # noqa: E402
from videotwin.inference.vad import SileroVad  # noqa: E402
from videotwin.lipsync import model  # noqa: E402
from videotwin.lipsync.features import speaking  # noqa: E402
from videotwin.lipsync.tracking import track_video  # noqa: E402
from videotwin.media.audio import decode  # noqa: E402
from videotwin.models import build_models  # noqa: E402

MODELS = build_models(Settings())

CLIPS = TALKING_HEADS


def leave_one_speaker_out(examples: dict, kind: str) -> dict:
    scores = {}
    for held in CLIPS:
        m = model.train([examples[c] for c in CLIPS if c != held], kind)
        audio, fps, opening = examples[held]
        n = min(len(opening), int(len(audio) / model.SAMPLE_RATE_HZ * fps))
        with MODELS.use(SileroVad) as vad:
            predicted = m.predict(audio, fps, n, speaking(audio, fps, n, vad))
        scores[held] = round(float(np.corrcoef(predicted, opening[:n])[0, 1]), 3)
    return scores


def main() -> int:
    examples = {}
    for name in CLIPS:
        path = FIXTURES / "video" / name
        track = track_video(path, MODELS)
        examples[name] = (decode(path, model.SAMPLE_RATE_HZ), track.fps, track.mouth_opening())
        print(f"  {name}: {track.frames} frames", flush=True)
    loso = {kind: leave_one_speaker_out(examples, kind) for kind in (model.LOGMEL, model.LOGMEL_DELTA)}
    final = model.train(list(examples.values()), model.LOGMEL_DELTA)
    record = {
        "made": datetime.now(UTC).isoformat(timespec="seconds"), "script": "scripts/train_universal_lipsync.py",
        "data": [f"../shared/fixtures/video/{c}" for c in CLIPS],
        "features": f"80-band log-mel and its rate of change, per-clip standardised, +-{model.CONTEXT_FRAMES} frames",
        "gate": "Silero VAD (faster-whisper's bundled model): no speech -> mouth closed",
        "target": "mouth opening (inner-lip gap / eye-corner distance), z-scored per clip",
        "ridge_lambda": model.RIDGE_LAMBDA, "leave_one_speaker_out_r": loso[model.LOGMEL_DELTA],
        "leave_one_speaker_out_mean_r": round(float(np.mean(list(loso[model.LOGMEL_DELTA].values()))), 3),
        "log_mel_alone_leave_one_speaker_out_r": loso[model.LOGMEL],
    }
    final.save(model.WEIGHTS, record)
    print(record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
