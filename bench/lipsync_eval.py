"""Self-reenactment on held-out footage (issue 4, item 6): build the avatar from the first 70 % of each
fixture video, drive it with the audio of the last 30 %, compare with the real frames of that part.

    .venv/bin/python bench/lipsync_eval.py [--max-side 480]   # writes bench/results/lipsync_eval.json

The universal model for each clip is trained WITHOUT that clip (leave one speaker out). Metrics:
mouth-opening Pearson r (re-tracked output vs real), lip landmark distance (face-normalised), the
audio-video offset that maximises r (frames), mouth-region SSIM (generated frame aligned onto the
real one first). Baselines: a static closed mouth, and the looped base footage with its own mouth
motion.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES, TALKING_HEADS  # noqa: E402

from videotwin.config import Settings  # noqa: E402
from videotwin.inference.face import LANDMARKS, FaceTracker  # noqa: E402
from videotwin.inference.registry import ModelRegistry  # noqa: E402
from videotwin.inference.vad import SileroVad  # noqa: E402
from videotwin.lipsync import model, render  # noqa: E402
from videotwin.lipsync.composite import similarity  # noqa: E402
from videotwin.lipsync.features import LIPS, normalised_lips, speaking  # noqa: E402
from videotwin.lipsync.tracking import Track, track_video  # noqa: E402
from videotwin.media import video  # noqa: E402
from videotwin.media.audio import decode  # noqa: E402
from videotwin.models import build_models  # noqa: E402

RESULTS = REPO / "bench" / "results" / "lipsync_eval.json"
CLIPS = TALKING_HEADS
TRAIN_SHARE = 0.7
MAX_LAG_FRAMES = 5


def retrack(frames: list[np.ndarray], fps: float) -> Track:
    tracker = FaceTracker()
    marks = []
    for f in frames:
        obs = tracker.observe(f)
        marks.append(obs.landmarks if obs.landmarks is not None else np.full((LANDMARKS, 3), np.nan, np.float32))
    tracker.close()
    lm = np.stack(marks)
    n = len(frames)
    return Track(fps, frames[0].shape[1], frames[0].shape[0], np.ones(n, np.int32), np.zeros(n, np.float32), lm,
                 ~np.isnan(lm[:, 0, 0]))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3 or np.std(a[ok]) < 1e-9 or np.std(b[ok]) < 1e-9:
        return 0.0
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def best_lag(a: np.ndarray, b: np.ndarray) -> int:
    scores = []
    for lag in range(-MAX_LAG_FRAMES, MAX_LAG_FRAMES + 1):
        x, y = (a[lag:], b[:len(b) - lag]) if lag >= 0 else (a[:lag], b[-lag:])
        scores.append((pearson(x, y), lag))
    return max(scores)[1]


def lmd(gen: Track, real: Track) -> float:
    return float(np.nanmean(np.linalg.norm(normalised_lips(gen) - normalised_lips(real), axis=2)))


def mouth_box(lm: np.ndarray, shape) -> tuple[int, int, int, int]:
    pts = lm[LIPS, :2]
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    pad = 0.3 * (x1 - x0)
    return (max(0, int(x0 - pad)), max(0, int(y0 - pad)), min(shape[1], int(x1 + pad)), min(shape[0], int(y1 + pad)))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Global SSIM of two grayscale crops (same size)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ma, mb = a.mean(), b.mean()
    va, vb, cov = a.var(), b.var(), ((a - ma) * (b - mb)).mean()
    return float(((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma**2 + mb**2 + c1) * (va + vb + c2)))


def mouth_ssim(gen: list[np.ndarray], real: list[np.ndarray], real_track: Track, gen_track: Track) -> float:
    """SSIM of the mouth region, the generated frame first aligned onto the real one (similarity
    transform on the stable eye and nose landmarks of both): the head sits elsewhere in a looped base
    frame than in the real one, and comparing unaligned crops would measure that, not the mouth."""
    scores = []
    for g, r, lm, glm in zip(gen, real, real_track.landmarks, gen_track.landmarks, strict=True):
        if np.isnan(lm[0, 0]) or np.isnan(glm[0, 0]):
            continue
        m = similarity(glm, lm)
        aligned = cv2.warpAffine(g, m, (r.shape[1], r.shape[0]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        x0, y0, x1, y1 = mouth_box(lm, r.shape)
        scores.append(ssim(aligned[y0:y1, x0:x1].mean(2), r[y0:y1, x0:x1].mean(2)))
    return float(np.mean(scores)) if scores else float("nan")


def metrics(frames: list[np.ndarray], real: list[np.ndarray], real_track: Track, fps: float) -> dict:
    gen = retrack(frames, fps)
    o_gen, o_real = gen.mouth_opening(), real_track.mouth_opening()
    return {"mouth_r": round(pearson(o_gen, o_real), 3), "lmd": round(lmd(gen, real_track), 4),
            "offset_frames": best_lag(o_gen, o_real),
            "mouth_ssim": round(mouth_ssim(frames, real, real_track, gen), 3)}


def load_clips(max_side: int, models: ModelRegistry) -> dict:
    """name -> (frames at max_side, track at that size, 16 kHz audio)."""
    data = {}
    for name in CLIPS:
        path = FIXTURES / "video" / name
        info = video.probe(path)
        size = video.scaled_size(info.width, info.height, max_side)
        frames = list(video.frames(path, size))
        track = track_video(path, models)
        scale = np.array([size[0] / info.width, size[1] / info.height, size[0] / info.width], np.float32)
        track.landmarks = track.landmarks * scale
        data[name] = (frames, track, decode(path, model.SAMPLE_RATE_HZ))
    return data


def rendered(z: np.ndarray, frames: list[np.ndarray], track: Track, cut: int) -> list[np.ndarray]:
    """The avatar built from frames[:cut] saying the held-out part (z per output frame)."""
    bank_open = track.mouth_opening()[:cut]
    pose = track.pose()[:cut]
    bases = render.ping_pong(len(z), cut)
    sources = render.plan(render.target_opening(z, bank_open), bank_open, pose[bases], pose)
    return list(render.render(frames.__getitem__, track.landmarks, cut, frames.__getitem__, track.landmarks, sources))


def held_out_track(track: Track, cut: int, n: int) -> Track:
    return Track(track.fps, track.width, track.height, track.faces[cut:n], track.second_face_ratio[cut:n],
                 track.landmarks[cut:n], track.found[cut:n])


def clip_split(data: dict, name: str) -> tuple:
    """(frames, track, audio, n frames, cut, the universal model trained without this clip)."""
    frames, track, audio = data[name]
    n = min(len(frames), int(len(audio) / model.SAMPLE_RATE_HZ * track.fps))
    cut = int(n * TRAIN_SHARE)
    universal = model.train([(data[c][2], data[c][1].fps, data[c][1].mouth_opening()) for c in CLIPS if c != name])
    return frames, track, audio, n, cut, universal


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-side", type=int, default=480)
    args = ap.parse_args()
    models = build_models(Settings())
    data = load_clips(args.max_side, models)
    rows = []
    for name in CLIPS:
        frames, track, audio, n, cut, universal = clip_split(data, name)
        held_audio = audio[int(cut / track.fps * model.SAMPLE_RATE_HZ):]
        with models.use(SileroVad) as vad:
            z = universal.predict(held_audio, track.fps, n - cut, speaking(held_audio, track.fps, n - cut, vad))
        bank_open = track.mouth_opening()[:cut]
        out = rendered(z, frames, track, cut)
        real = frames[cut:n]
        real_track = held_out_track(track, cut, n)
        looped = [frames[i] for i in render.ping_pong(n - cut, cut)]
        closed = int(np.argmin(bank_open))
        static = [frames[closed]] * (n - cut)
        real_open = track.mouth_opening()[cut:n]
        row = {"clip": name, "held_out_frames": n - cut,
               "model_target_r": round(pearson(render.target_opening(z, bank_open), real_open), 3),
               "renderer_universal": metrics(out, real, real_track, track.fps),
               "baseline_looped_footage": metrics(looped, real, real_track, track.fps),
               "baseline_static_closed": metrics(static, real, real_track, track.fps)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
