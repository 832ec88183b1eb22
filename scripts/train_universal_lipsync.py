"""Train the universal lip-shape model on the talking-head fixtures and write its weights.

    .venv/bin/python scripts/train_universal_lipsync.py

Writes src/videotwin/lipsync/weights/universal_logmel_ridge.npz and, beside it, a .json record of
the data, settings and leave-one-speaker-out scores (each clip scored by a model trained without it).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES, TALKING_HEADS  # noqa: E402

from videotwin.lipsync import model  # noqa: E402
from videotwin.lipsync.tracking import track_video  # noqa: E402
from videotwin.media.audio import decode  # noqa: E402

CLIPS = TALKING_HEADS


def main() -> int:
    examples = {}
    for name in CLIPS:
        path = FIXTURES / "video" / name
        track = track_video(path)
        examples[name] = (decode(path, model.SAMPLE_RATE_HZ), track.fps, track.mouth_opening())
        print(f"  {name}: {track.frames} frames", flush=True)
    loso = {}
    for held in CLIPS:
        m = model.train([examples[c] for c in CLIPS if c != held])
        audio, fps, opening = examples[held]
        n = min(len(opening), int(len(audio) / model.SAMPLE_RATE_HZ * fps))
        loso[held] = round(float(np.corrcoef(m.predict(audio, fps, n), opening[:n])[0, 1]), 3)
    final = model.train(list(examples.values()))
    record = {
        "made": datetime.now(UTC).isoformat(timespec="seconds"), "script": "scripts/train_universal_lipsync.py",
        "data": [f"../shared/fixtures/video/{c}" for c in CLIPS],
        "features": f"80-band log-mel, per-clip standardised, +-{model.CONTEXT_FRAMES} frames",
        "target": "mouth opening (inner-lip gap / eye-corner distance), z-scored per clip",
        "ridge_lambda": model.RIDGE_LAMBDA, "leave_one_speaker_out_r": loso,
        "leave_one_speaker_out_mean_r": round(float(np.mean(list(loso.values()))), 3),
    }
    final.save(model.WEIGHTS, record)
    print(record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
