"""Avatar video speed and memory (issue 5, item 5): audio -> lip-synced MP4, end to end.

    .venv/bin/python bench/avatar_video.py            # writes bench/results/avatar_video.json
    .venv/bin/python bench/avatar_video.py --long     # also a 10-minute audio at 480p (memory check)

The avatar is made once from ../shared/fixtures/video/v02 (20 s, 1080x1920 HEVC, 25 fps); it then says
a07 (29.5 s of English: longer than the footage, so the footage is played forward and back); a photo
avatar from i10 (720x1280) says the same. Each case
runs the real video.generate pipeline in a fresh process, so its peak memory is its own; the report
gives wall time, the ratio to the audio's duration (targets: 0.5x at 720p, 1.0x at 1080p), the ratio
to ffmpeg's own decode+scale+encode of the same footage for the same duration (our floor), and peak
memory of the pipeline's process and, separately, of the largest ffmpeg child."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES  # noqa: E402

from bench.harness import blob_path, context, local_fetch  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.media import video  # noqa: E402
from videotwin.media.audio import decode, write_wav  # noqa: E402
from videotwin.pipelines import avatar_create, video_generate  # noqa: E402

RESULTS = REPO / "bench" / "results" / "avatar_video.json"
CLIP = FIXTURES / "video" / "v02_man_kitchen.mp4"
PHOTO = FIXTURES / "image" / "i10_man_glasses_office_frame.png"  # the largest portrait: 720x1280
AUDIO = FIXTURES / "audio" / "a07_en_openvoice_spk2.mp3"
CASES = [
    {"name": "720p", "resolution": 720, "target_x": 0.5},
    {"name": "1080p", "resolution": 1080, "target_x": 1.0},
    {"name": "720p background+captions", "resolution": 720, "background": {"kind": "color", "rgba": [30, 60, 120, 1]},
     "captions": {"font_size": 0.05, "color": "rgba(255,255,255,1)", "stroke_color": "rgba(0,0,0,1)",
                  "stroke_width": 0.08, "background_color": "rgba(0,0,0,0)", "subtitle_position": 0.85,
                  "language": "en"}},
    {"name": "photo avatar 720p", "resolution": 720, "photo": True},
]


def make_avatar(root: Path, photo: bool = False) -> dict:
    """The anchor part of video.generate's inputs, for an avatar made here from the clip or the photo."""
    settings = Settings(data_dir=root / "data", min_training_seconds=5)
    source, kind, mime = (PHOTO, "image", "image/png") if photo else (CLIP, "video", "video/mp4")
    ctx = context(root, avatar_create.KIND, root / ("photo-work" if photo else "avatar-work"), settings,
                  local_fetch(mime), job_id=f"avatar-{kind}")
    pack = avatar_create.run(ctx, avatar_create.Inputs(source_kind=kind, url=str(source), gender="male",
                                                       min_seconds=5))
    anchor = video_generate.Anchor(id=f"bench-{kind}-avatar", kind=kind, gender="male", files=pack.files,
                                   fps=pack.fps, width=pack.width, height=pack.height)
    return anchor.model_dump(mode="json")


def run_one(root: Path, case: dict, anchor: dict, audio: Path) -> None:
    """In a child process: one video.generate job; prints its figures as JSON."""
    settings = Settings(data_dir=root / "data")
    work = Path(tempfile.mkdtemp(dir=root))
    inputs = video_generate.Inputs(anchor=anchor, anchor_type=1, audio_url=str(audio), resolution=case["resolution"],
                                   background=case.get("background"), captions=case.get("captions"),
                                   max_audio_seconds=3600)
    ctx = context(root, video_generate.KIND, work, settings, local_fetch("audio/mpeg"), job_id=f"video-{work.name}")
    t0 = time.perf_counter()
    out = video_generate.run(ctx, inputs)
    wall = time.perf_counter() - t0
    print(json.dumps({"wall_seconds": round(wall, 2), "width": out.width, "height": out.height,
                      "duration": out.duration, "result": str(blob_path(root, out.files.result)),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "peak_child_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}))


def ffmpeg_floor(size: tuple[int, int], seconds: float, fps: float, photo: bool = False) -> float:
    """ffmpeg alone: decode the footage (looped as needed; a photo: repeated), scale, encode with our
    settings."""
    source = ["-loop", "1", "-i", str(PHOTO)] if photo else ["-stream_loop", "-1", "-i", str(CLIP)]
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", *source, "-t", f"{seconds:.3f}",
                    "-vf", f"fps={fps},scale={size[0]}:{size[1]}", "-an", "-c:v", "libx264", "-preset",
                    video.H264_PRESET, "-crf", str(video.H264_CRF), "-pix_fmt", "yuv420p", "-f", "mp4", "/dev/null"],
                   check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--long", action="store_true", help="add a 10-minute audio at 480p")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        spec = json.loads(args.one)
        run_one(Path(spec["root"]), spec["case"], spec["anchor"], Path(spec["audio"]))
        return 0
    root = Path(tempfile.mkdtemp(prefix="videotwin-video-"))
    anchor = make_avatar(root)
    photo_anchor = make_avatar(root, photo=True)
    cases = list(CASES)
    audio_for = {c["name"]: AUDIO for c in cases}
    if args.long:
        speech = decode(AUDIO, 16000)
        long_audio = root / "ten-minutes.wav"
        reps = int(600 * 16000 / len(speech)) + 1
        write_wav(long_audio, __import__("numpy").tile(speech, reps)[: 600 * 16000], 16000)
        cases.append({"name": "480p 10-minute audio", "resolution": 480})
        audio_for["480p 10-minute audio"] = long_audio
    rows = []
    for case in cases:
        used = photo_anchor if case.get("photo") else anchor
        spec = json.dumps({"root": str(root), "case": case, "anchor": used, "audio": str(audio_for[case["name"]])})
        proc = subprocess.run([sys.executable, __file__, "--one", spec], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-2000:])
            return 1
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        floor = ffmpeg_floor((got["width"], got["height"]), got["duration"], used["fps"], bool(case.get("photo")))
        row = {"case": case["name"], "output": f"{got['width']}x{got['height']}", "audio_seconds": got["duration"],
               "wall_seconds": got["wall_seconds"], "x_real_time": round(got["wall_seconds"] / got["duration"], 3),
               "target_x": case.get("target_x"), "ffmpeg_floor_seconds": round(floor, 2),
               "ratio_to_ffmpeg": round(got["wall_seconds"] / floor, 2), "peak_rss_mb": got["peak_rss_mb"],
               "peak_ffmpeg_rss_mb": got["peak_child_rss_mb"]}
        rows.append(row)
        print(json.dumps(row))
        if case["name"].startswith("720p background"):
            shutil.copyfile(got["result"], REPO / "bench" / "results" / "avatar_video_sample.mp4")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"avatar": f"{CLIP.name} (20 s, 1080x1920 HEVC)", "photo_avatar": PHOTO.name,
                                   "audio": AUDIO.name,
                                   "rows": rows}, indent=1) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
