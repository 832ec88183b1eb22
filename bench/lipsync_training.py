"""Personalised lip-sync models against the universal one (issue 6, item 3), on held-out footage.

    .venv/bin/python bench/lipsync_training.py [--max-side 480]   # bench/results/lipsync_training.json

For each talking-head fixture: the universal model is trained WITHOUT that clip (leave one speaker
out); the personalised model is fitted on top of it (lipsync/personal.py) from the first 70 % of the
clip only (its own validation split is the last 20 % of those 70 %). Both then drive the
avatar built from the first 70 % with the audio of the last 30 %, which neither saw, and the output
is re-tracked and compared with the real frames: mouth-opening r, lip landmark distance, AV offset,
mouth SSIM; with the two baselines (looped footage, static closed mouth). Also reported: whether
training would have switched the personalised model in, and whether that was right on the unseen
30 % (it must never be switched in when it is worse there); and the training time."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES  # noqa: E402

from bench.lipsync_eval import (  # noqa: E402
    CLIPS,
    clip_split,
    held_out_track,
    load_clips,
    metrics,
    pearson,
    rendered,
)
from videotwin.config import Settings  # noqa: E402
from videotwin.inference.vad import SileroVad  # noqa: E402
from videotwin.inference.whisper import Whisper  # noqa: E402
from videotwin.lipsync import model, personal, render  # noqa: E402
from videotwin.lipsync.features import speaking  # noqa: E402
from videotwin.lipsync.tracking import track_video  # noqa: E402
from videotwin.media.audio import decode  # noqa: E402
from videotwin.models import build_models  # noqa: E402

RESULTS = REPO / "bench" / "results" / "lipsync_training.json"


def scaling(one: float | None) -> int:
    """Training time and peak memory against footage length: v02's speech and mouth track repeated."""
    import resource
    import subprocess

    if one is not None:
        seconds = one
        path = FIXTURES / "video" / "v02_man_kitchen.mp4"
        models = build_models(Settings())
        track = track_video(path, models)
        audio = decode(path, model.SAMPLE_RATE_HZ)
        reps = int(np.ceil(seconds * model.SAMPLE_RATE_HZ / len(audio)))
        long_audio = np.tile(audio, reps)[: int(seconds * model.SAMPLE_RATE_HZ)]
        n = int(seconds * track.fps)
        opening = np.tile(track.mouth_opening(), reps + 1)[:n]
        with models.use(Whisper) as whisper, models.use(SileroVad) as vad:
            outcome = personal.train(long_audio, track.fps, opening, whisper, vad)
        print(json.dumps({"footage_seconds": seconds, "train_seconds": round(outcome.seconds, 2),
                          "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
        return 0
    rows = []
    for seconds in (20, 60, 120, 300):
        out = subprocess.run([sys.executable, __file__, "--scaling", "--seconds", str(seconds)], capture_output=True,
                             text=True, check=True).stdout.strip().splitlines()[-1]
        rows.append(json.loads(out))
        print(out, flush=True)
    (RESULTS.parent / "lipsync_training_scaling.json").write_text(json.dumps(rows, indent=2))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-side", type=int, default=480)
    ap.add_argument("--scaling", action="store_true", help="only time training on 20 s, 1, 2 and 5 minutes")
    ap.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.scaling:
        return scaling(args.seconds)
    models = build_models(Settings())
    data = load_clips(args.max_side, models)
    rows = []
    for name in CLIPS:
        frames, track, audio, n, cut, universal = clip_split(data, name)
        split = int(cut / track.fps * model.SAMPLE_RATE_HZ)
        opening = track.mouth_opening()
        held_audio = audio[split:]
        real_open = opening[cut:n]
        with models.use(Whisper) as whisper, models.use(SileroVad) as vad:
            outcome = personal.train(audio[:split], track.fps, opening[:cut], whisper, vad, base=universal)
            voiced = speaking(held_audio, track.fps, n - cut, vad)
            z_uni = universal.predict(held_audio, track.fps, n - cut, voiced)
            z_per = outcome.model.predict(held_audio, track.fps, n - cut, whisper, voiced) if outcome.model else z_uni
        real, real_track = frames[cut:n], held_out_track(track, cut, n)
        bank_open = opening[:cut]
        looped = [frames[i] for i in render.ping_pong(n - cut, cut)]
        static = [frames[int(np.nanargmin(bank_open))]] * (n - cut)
        uni = metrics(rendered(z_uni, frames, track, cut), real, real_track, track.fps)
        per = metrics(rendered(z_per, frames, track, cut), real, real_track, track.fps)
        model_r = {"universal": round(pearson(z_uni, real_open), 3), "personal": round(pearson(z_per, real_open), 3)}
        better_unseen = per["mouth_r"] > uni["mouth_r"]
        row = {"clip": name, "train_frames": cut, "held_out_frames": n - cut,
               "training": outcome.metrics(), "switched_in": outcome.use, "reason": outcome.reason,
               "model_r_on_unseen": model_r, "personal_better_on_unseen": better_unseen,
               "wrong_switch": bool(outcome.use and not better_unseen),
               "renderer_universal": uni, "renderer_personal": per,
               "baseline_looped_footage": metrics(looped, real, real_track, track.fps),
               "baseline_static_closed": metrics(static, real, real_track, track.fps)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    summary = {"personal_better_on_unseen": sum(r["personal_better_on_unseen"] for r in rows), "clips": len(rows),
               "switched_in": sum(r["switched_in"] for r in rows),
               "wrong_switches": sum(r["wrong_switch"] for r in rows)}
    print(json.dumps(summary))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
