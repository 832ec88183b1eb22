"""Face tracking speed (issue 4 asks for at least 50 frames per second at 720p) and ffmpeg's own
decode speed of the same clips at the same size, as the floor.

    .venv/bin/python bench/face_tracking.py     # writes bench/results/face_tracking.json
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES, TALKING_HEADS  # noqa: E402

from videotwin.config import Settings  # noqa: E402
from videotwin.lipsync.tracking import TRACK_MAX_SIDE_PX, track_video  # noqa: E402
from videotwin.media import video  # noqa: E402
from videotwin.models import build_models  # noqa: E402

RESULTS = REPO / "bench" / "results" / "face_tracking.json"
CLIPS = TALKING_HEADS


def main() -> int:
    models = build_models(Settings())
    rows = []
    for name in CLIPS:
        path = FIXTURES / "video" / name
        info = video.probe(path)
        size = video.scaled_size(info.width, info.height, TRACK_MAX_SIDE_PX)
        t0 = time.perf_counter()
        decoded = sum(1 for _ in video.frames(path, size))
        decode_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        track = track_video(path, models)
        track_s = time.perf_counter() - t0
        rows.append({"clip": name, "source": f"{info.width}x{info.height} {info.codec} {info.fps:.2f} fps",
                     "tracked_at": f"{size[0]}x{size[1]}", "frames": track.frames,
                     "face_found_share": round(float(track.found.mean()), 3),
                     "tracking_fps": round(track.frames / track_s, 1),
                     "ffmpeg_decode_fps": round(decoded / decode_s, 1),
                     "ratio_to_decode": round(track_s / decode_s, 2),
                     "x_real_time": round(track_s / info.duration, 3)})
        print(rows[-1], flush=True)
    result = {"clips": rows, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "target": "tracking at least 50 fps at 720p"}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(json.dumps({"peak_rss_mb": result["peak_rss_mb"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
