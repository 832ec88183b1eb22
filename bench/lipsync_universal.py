"""Speech -> mouth opening, measured before choosing the universal lip-sync model (issue 4, item 4).

    .venv/bin/python bench/lipsync_universal.py     # writes bench/results/lipsync_universal.json

For each talking-head fixture: track the face, take the mouth opening (inner-lip gap / eye-corner
distance, z-scored per speaker) and speech features per frame (Whisper-base encoder states, or
log-mel). A ridge regression from +-4 frames (160 ms at 25 fps) of features is scored by Pearson r between predicted and
real mouth opening:
- universal: leave one speaker out (trained on the other four clips, scored on the held-out one);
- personalised: trained on the first 70 % of a clip, scored on its last 30 %.
- phonemes, no training at all: Whisper word timings + espeak-ng phonemes + mouth opening per sound
  (lipsync/visemes.py), scored on every clip.
This reproduces DESIGN.md's floor (whisper LOSO mean r 0.22, log-mel 0.19); real models must beat it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES, TALKING_HEADS  # noqa: E402

from videotwin.config import Settings  # noqa: E402
from videotwin.inference.whisper import Whisper  # noqa: E402
from videotwin.lipsync.features import SAMPLE_RATE_HZ, speech_features, with_context  # noqa: E402
from videotwin.lipsync.tracking import track_video  # noqa: E402
from videotwin.lipsync.visemes import openness_track  # noqa: E402
from videotwin.media.audio import decode  # noqa: E402
from videotwin.models import build_models  # noqa: E402

RESULTS = REPO / "bench" / "results" / "lipsync_universal.json"
CLIPS = TALKING_HEADS
# +-4 frames: +-160 ms at 25 fps (a fixed count keeps every clip's feature width the same).
CONTEXT_FRAMES = 4
RIDGE_LAMBDA = 1e3
SMOOTH_FRAMES = 3
TRAIN_SHARE = 0.7


def zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / max(x.std(), 1e-6)


def ridge_fit(x: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xs = (x - mu) / sd
    # Dual form: fewer frames than feature dimensions.
    alpha = np.linalg.solve(xs @ xs.T + lam * np.eye(len(xs)), y - y.mean())
    return xs.T @ alpha, mu, sd


def ridge_predict(model, x: np.ndarray) -> np.ndarray:
    w, mu, sd = model
    pred = ((x - mu) / sd) @ w
    return np.convolve(np.pad(pred, SMOOTH_FRAMES // 2, mode="edge"), np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES,
                       mode="valid")


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def main() -> int:
    models = build_models(Settings(data_dir=Path(tempfile.mkdtemp(prefix="videotwin-lips-"))))
    data = {}
    phoneme_r: dict = {}
    for name in CLIPS:
        path = FIXTURES / "video" / name
        track = track_video(path, models)
        audio = decode(path, SAMPLE_RATE_HZ)
        n = min(track.frames, int(len(audio) / SAMPLE_RATE_HZ * track.fps))
        k = CONTEXT_FRAMES
        y = zscore(track.mouth_opening()[:n])
        with models.use(Whisper) as whisper:
            feats = {kind: with_context(speech_features(kind, whisper, audio, track.fps, n), k)
                     for kind in ("whisper", "logmel")}
            heard = whisper.transcribe(audio, word_timestamps=True)
        words = [(w.start, w.end, w.text.strip()) for w in heard.words]
        voice = {"en": "en-us"}.get(heard.language, heard.language)
        phon = openness_track(words, voice, track.fps, n)
        data[name] = (y, feats)
        phoneme_r[name] = round(pearson(phon, y), 3)
        print(f"  {name}: {n} frames at {track.fps:.2f} fps", flush=True)
    phoneme_r["mean"] = round(float(np.mean([phoneme_r[c] for c in CLIPS])), 3)
    result: dict = {"universal_loso": {}, "personalised_70_30": {}, "phonemes_no_training": phoneme_r}
    for kind in ("whisper", "logmel"):
        uni, per = {}, {}
        for held in CLIPS:
            train_x = np.concatenate([data[c][1][kind] for c in CLIPS if c != held])
            train_y = np.concatenate([data[c][0] for c in CLIPS if c != held])
            model = ridge_fit(train_x, train_y, RIDGE_LAMBDA)
            y, feats = data[held]
            uni[held] = round(pearson(ridge_predict(model, feats[kind]), y), 3)
            cut = int(len(y) * TRAIN_SHARE)
            own = ridge_fit(feats[kind][:cut], y[:cut], RIDGE_LAMBDA)
            per[held] = round(pearson(ridge_predict(own, feats[kind][cut:]), y[cut:]), 3)
        uni["mean"] = round(float(np.mean([uni[c] for c in CLIPS])), 3)
        per["mean"] = round(float(np.mean([per[c] for c in CLIPS])), 3)
        result["universal_loso"][kind] = uni
        result["personalised_70_30"][kind] = per
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
