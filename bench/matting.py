"""Person matting quality on the green-screen fixtures, against a chroma-key ground truth.

For each clip: the ground-truth matte comes from the green screen (how much greener than red and blue a
pixel is, relative to the screen's own greenness); our matte (media/matting.py) never sees that trick,
it gets the frame like any other. Reported:
- IoU of the person (mattes cut at 0.5) and mean absolute matte error;
- edge error: the mean absolute error within 12 px of the true edge (where halos and hair live);
- flicker: mean frame-to-frame change of the matte near the edge, ours and the ground truth's own
  (the person moves, so the truth changes too); "excess" is ours minus the truth's;
- speed: milliseconds per frame.
Rows that are letterbox (black) are left out. Results: bench/results/matting.json.

    .venv/bin/python bench/matting.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.fixtures import FIXTURES  # noqa: E402

from videotwin.config import Settings  # noqa: E402
from videotwin.inference.segmentation import SelfieSegmenter  # noqa: E402
from videotwin.media import video  # noqa: E402
from videotwin.media.matting import Matter  # noqa: E402
from videotwin.models import build_models  # noqa: E402

CLIPS = ["captions/m01_greenscreen_man_noaudio.mp4", "captions/m02_greenscreen_child_speech.mp4"]
EDGE_BAND_PX = 12
RESULTS = Path(__file__).parent / "results" / "matting.json"


def chroma_truth(rgb: np.ndarray, screen_greenness: float) -> np.ndarray:
    f = rgb.astype(np.float32)
    greenness = f[..., 1] - np.maximum(f[..., 0], f[..., 2])
    key = np.clip((greenness - 0.25 * screen_greenness) / (0.35 * screen_greenness), 0.0, 1.0)
    return 1.0 - key


def main() -> int:
    models = build_models(Settings())
    rows = []
    for name in CLIPS:
        path = FIXTURES / name
        frames = list(video.frames(path))
        first = frames[0].astype(np.float32)
        corner = first[: first.shape[0] // 8, : first.shape[1] // 8]
        screen = float(np.median(corner[..., 1] - np.maximum(corner[..., 0], corner[..., 2])))
        valid_rows = np.array([f.astype(np.float32).mean(axis=(1, 2)) > 8 for f in frames]).all(axis=0)
        with models.use(SelfieSegmenter) as segmenter:
            matter = Matter(segmenter.predict)
            t0 = time.perf_counter()
            ours = [matter.alpha(f) for f in frames]
            ms = 1000 * (time.perf_counter() - t0) / len(frames)
        truth = [chroma_truth(f, screen) for f in frames]
        ious, maes, edge_err, flick_ours, flick_truth = [], [], [], [], []
        prev = None
        for a, g in zip(ours, truth, strict=True):
            a, g = a[valid_rows], g[valid_rows]
            inter = np.logical_and(a > 0.5, g > 0.5).sum()
            union = np.logical_or(a > 0.5, g > 0.5).sum()
            ious.append(inter / max(union, 1))
            maes.append(np.abs(a - g).mean())
            edge = (g > 0.5).astype(np.uint8)
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * EDGE_BAND_PX + 1,) * 2)
            band = (cv2.dilate(edge, kernel) - cv2.erode(edge, kernel)) > 0
            edge_err.append(np.abs(a - g)[band].mean())
            if prev is not None:
                flick_ours.append(np.abs(a - prev[0])[band].mean())
                flick_truth.append(np.abs(g - prev[1])[band].mean())
            prev = (a, g)
        row = {"clip": Path(name).name, "frames": len(frames), "size": list(frames[0].shape[1::-1]),
               "iou": round(float(np.mean(ious)), 4), "iou_min": round(float(np.min(ious)), 4),
               "mae": round(float(np.mean(maes)), 4), "edge_mae": round(float(np.mean(edge_err)), 4),
               "edge_flicker": round(float(np.mean(flick_ours)), 4),
               "truth_edge_flicker": round(float(np.mean(flick_truth)), 4),
               "flicker_excess": round(float(np.mean(flick_ours) - np.mean(flick_truth)), 4),
               "ms_per_frame": round(ms, 1)}
        rows.append(row)
        print(json.dumps(row))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
