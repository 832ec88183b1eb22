"""Avatar creation speed and memory (issue 4, item 7): the quick preview of a 20 s 1080p video must
finish within 3x the video's duration on this 2-core machine, peak memory under 3 GB.

    .venv/bin/python bench/avatar_create.py [clip]    # writes bench/results/avatar_create.json

Runs the real avatar.create pipeline in this process on ../shared/fixtures/video/v02 (20 s, 1080x1920
HEVC) and reports wall time per stage, the ratio to the video's duration, ffmpeg's own decode+encode
of the same clip as the floor, and peak memory (this process and, separately, its ffmpeg children).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES  # noqa: E402

from bench.harness import blob_path, context, local_fetch  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.media import video  # noqa: E402
from videotwin.pipelines import avatar_create  # noqa: E402

RESULTS = REPO / "bench" / "results" / "avatar_create.json"


def ffmpeg_floor(src: Path, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c:v", "libx264", "-preset",
                    avatar_create.video.H264_PRESET, "-crf", str(video.H264_CRF), "-c:a", "aac", str(out)],
                   check=True)
    return time.perf_counter() - t0


def main() -> int:
    clip = sys.argv[1] if len(sys.argv) > 1 else "v02_man_kitchen.mp4"
    src = FIXTURES / "video" / clip
    tmp = Path(tempfile.mkdtemp(prefix="videotwin-avatar-"))
    settings = Settings(data_dir=tmp / "data", min_training_seconds=5)
    stages: dict[str, float] = {}
    marks = {"tracked": 0.55, "pack (base video, mouth bank, cover)": 0.75}
    t0 = time.perf_counter()

    def progress(f: float) -> None:
        for name, at in marks.items():
            if f >= at and name not in stages:
                stages[name] = round(time.perf_counter() - t0, 2)

    ctx = context(tmp, avatar_create.KIND, tmp / "work", settings, local_fetch("video/mp4"), progress=progress)
    out = avatar_create.run(ctx, avatar_create.Inputs(url=str(src), gender="male", min_seconds=5))
    total = time.perf_counter() - t0
    info = video.probe(src)
    floor = ffmpeg_floor(src, tmp / "floor.mp4")
    result = {
        "clip": clip, "source": f"{info.width}x{info.height} {info.codec} {info.fps:.2f} fps, {info.duration:.2f} s",
        "preview_seconds": out.preview_seconds, "wall_seconds": round(total, 2), "stage_seconds": stages,
        "x_video_duration": round(total / info.duration, 2), "target_x": 3.0,
        "ffmpeg_decode_encode_seconds": round(floor, 2), "ratio_to_ffmpeg": round(total / floor, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_child_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "opencv_threads": cv2.getNumThreads(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    shutil.copyfile(blob_path(tmp, out.files.preview), REPO / "bench" / "results" / "avatar_preview.mp4")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
