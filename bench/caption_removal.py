"""Caption removal (pipelines/caption_remove.py) on the caption fixtures.

- Quality: c03 and c04 are video/v05 and video/v04 with captions burned in, so the originals are
  ground truth. PSNR and SSIM inside the caption band (the rows the burned-in text changed, grown by
  BAND_MARGIN_PX) against the original, on the frames that show a caption, for our output, for
  plain cv2.inpaint (Telea) of the same mask, and for the input as it is. c02 against the cleaned
  video beside it (another tool's output, not ground truth), band from that tool's own changes.
- Text left: RapidOCR (PP-OCRv6 detection and recognition) on the caption band of every frame of
  c01-c04, before and after: recognised characters (score >= OCR_SCORE) and text lines found.
  The recogniser reads Latin and Chinese, not Cyrillic: for c01 the lines count.
- Outside the masks: PSNR of output against input outside the band (re-encoding only).
- Speed: wall time against the clip's length and against ffmpeg's own decode + encode of the same
  clip (libx264 at the output's settings); peak memory of this process.

- Memory over length (--long-minutes M): c01 looped to M minutes (copied, not re-encoded), removed
  in one run; peak memory of this process and of the largest ffmpeg it started. Run it for 1 and
  for 10 minutes: bounded memory means the two peaks are about the same.

Run: .venv/bin/python bench/caption_removal.py [--clips c03 c04 ...] [--no-ocr]
     .venv/bin/python bench/caption_removal.py --long-minutes 10
Writes bench/results/caption_removal.json (and caption_removal_long.json, by minutes)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.harness import blob_path, context, local_fetch  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.media import video  # noqa: E402
from videotwin.models import build_models  # noqa: E402
from videotwin.pipelines import caption_remove  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
CLIPS = {
    "c01": ("captions/c01_ru_subtitle_eye_closeup.mp4", None),
    "c02": ("captions/c02_tiktok_caption_overlay.mp4", "captions/c02_tiktok_caption_overlay_CLEANED_REF.mp4"),
    "c03": ("captions/c03_en_burnin_synthetic.mp4", "video/v05_woman_bluebg.mp4"),
    "c04": ("captions/c04_zh_burnin_synthetic.mp4", "video/v04_man_suit_office.mp4"),
}
# Where the caption is, by eye, for the clips without ground truth (c02's other tool re-encoded every
# pixel, so its changes do not show the band; its frame also shows scene text, a TV and a sweets bag,
# which must stay): rows as a share of the height.
CAPTION_ROWS = {"c01": (0.85, 1.0), "c02": (0.16, 0.33)}
GROUND_TRUTH = {"c03", "c04"}
# A pixel the burned-in text changed: by more than this many levels in some channel.
CHANGED_LEVELS = 24
BAND_MARGIN_PX = 8
BAND_ROW_SHARE = 0.01
OCR_SCORE = 0.5


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of the grey pictures (Wang et al. 2004: Gaussian window, sigma 1.5)."""
    x = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64)
    y = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda z: cv2.GaussianBlur(z, (11, 11), 1.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    return float((((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))).mean())


def frames(path: Path, fps: float) -> list[np.ndarray]:
    return list(video.frames(path, fps=fps))


def ffmpeg_baseline(path: Path, out: Path) -> float:
    """Seconds ffmpeg takes to decode the clip and encode it again as our output is encoded."""
    start = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(path), "-an", "-c:v", "libx264",
                    "-preset", video.H264_PRESET, "-crf", str(caption_remove.OUTPUT_CRF), "-pix_fmt", "yuv420p",
                    str(out)], check=True)
    return time.perf_counter() - start


def band_of(changed: list[np.ndarray], height: int) -> tuple[int, int]:
    """The rows where the text changed pixels: at least BAND_ROW_SHARE of a row, summed over frames
    (re-encoding alone changes a stray pixel here and there by as much)."""
    share = np.mean([c.mean(axis=1) for c in changed], axis=0)
    rows = np.nonzero(share >= BAND_ROW_SHARE)[0]
    return max(0, int(rows.min()) - BAND_MARGIN_PX), min(height, int(rows.max()) + BAND_MARGIN_PX + 1)


def _rows(name: str, height: int) -> tuple[int, int]:
    top, bottom = CAPTION_ROWS[name]
    return int(top * height), int(bottom * height)


def ocr_band(engine, frames_: list[np.ndarray], band: tuple[int, int]) -> tuple[int, int]:
    """Characters recognised and lines found in the band, over all frames."""
    chars = lines = 0
    for f in frames_:
        crop = np.ascontiguousarray(f[band[0]:band[1], :, ::-1])
        result = engine(crop)
        if result.boxes is None:
            continue
        lines += len(result.boxes)
        chars += sum(len(t.strip()) for t, s in zip(result.txts, result.scores, strict=True) if s >= OCR_SCORE)
    return chars, lines


def run_clip(name: str, settings: Settings, models, root: Path, ocr) -> dict:
    rel, ref_rel = CLIPS[name]
    src = FIXTURES / rel
    info = video.probe(src)
    ctx = context(root / name, caption_remove.KIND, root / name / "work", settings, local_fetch("video/mp4"), models)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    outputs = caption_remove.run(ctx, caption_remove.Inputs(source_url=str(src)))
    seconds = time.perf_counter() - start
    ffmpeg_seconds = ffmpeg_baseline(src, root / name / "ffmpeg.mp4")
    out_path = blob_path(root / name, outputs.files.result)
    row = {"clip": rel, "size": f"{info.width}x{info.height}", "fps": info.fps, "duration_s": round(info.duration, 2),
           "seconds": round(seconds, 2), "x_real_time": round(seconds / info.duration, 2),
           "x_ffmpeg": round(seconds / ffmpeg_seconds, 2), "ffmpeg_seconds": round(ffmpeg_seconds, 2),
           "peak_rss_mb_growth": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024),
           "text_frames": outputs.text_frames, "frames": outputs.frames, "text_found": outputs.text_found}
    fps = info.fps or 25.0
    src_frames, out_frames = frames(src, fps), frames(out_path, fps)
    n = min(len(src_frames), len(out_frames))
    src_frames, out_frames = src_frames[:n], out_frames[:n]
    if ref_rel:
        ref_frames = frames(FIXTURES / ref_rel, fps)[:n]
        n = min(n, len(ref_frames))
        changed = [np.abs(s.astype(np.int16) - r).max(axis=2) > CHANGED_LEVELS for s, r in
                   zip(src_frames[:n], ref_frames[:n], strict=True)]
        band = band_of(changed, info.height) if name in GROUND_TRUTH else _rows(name, info.height)
        masks = caption_remove.find_text(models, src, info, lambda _f: None)
        scores = {"ours": ([], []), "telea": ([], []), "input": ([], [])}
        for i in range(n):
            if changed[i][band[0]:band[1]].sum() < 50:
                continue  # no caption on this frame
            mask = masks.mask(i, src_frames[i])
            mask = np.zeros(changed[i].shape, bool) if mask is None else mask
            telea = cv2.inpaint(src_frames[i], mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)
            for key, pic in (("ours", out_frames[i]), ("telea", telea), ("input", src_frames[i])):
                scores[key][0].append(psnr(pic[band[0]:band[1]], ref_frames[i][band[0]:band[1]]))
                scores[key][1].append(ssim(pic[band[0]:band[1]], ref_frames[i][band[0]:band[1]]))
        row["band_rows"] = list(band)
        row["caption_frames_scored"] = len(scores["ours"][0])
        for key, (p, s) in scores.items():
            row[f"band_psnr_{key}"] = round(float(np.mean(p)), 2)
            row[f"band_ssim_{key}"] = round(float(np.mean(s)), 4)
        row["reference"] = "ground truth" if name in GROUND_TRUTH else "another tool's output (not ground truth)"
    else:
        band = _rows(name, info.height)
        row["band_rows"] = list(band)
    outside = [psnr(np.delete(o, np.s_[band[0]:band[1]], axis=0), np.delete(s, np.s_[band[0]:band[1]], axis=0))
               for o, s in zip(out_frames, src_frames, strict=True)]
    row["outside_band_psnr_vs_input_min"] = round(float(np.min(outside)), 2)
    if ocr is not None:
        row["ocr_chars_before"], row["ocr_lines_before"] = ocr_band(ocr, src_frames, band)
        row["ocr_chars_after"], row["ocr_lines_after"] = ocr_band(ocr, out_frames, band)
    return row


def run_long(minutes: float, settings: Settings, models, root: Path) -> dict:
    """c01 looped to `minutes`, through the pipeline once: time and peak memory."""
    one = FIXTURES / CLIPS["c01"][0]
    loops = int(np.ceil(minutes * 60 / video.probe(one).duration))
    src = root / "long.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i", str(one),
                    "-c", "copy", "-t", f"{minutes * 60:.3f}", str(src)], check=True)
    info = video.probe(src)
    ctx = context(root / "long", caption_remove.KIND, root / "long" / "work", settings, local_fetch("video/mp4"),
                  models)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    outputs = caption_remove.run(ctx, caption_remove.Inputs(source_url=str(src)))
    seconds = time.perf_counter() - start
    return {"clip": f"{CLIPS['c01'][0]} looped", "size": f"{info.width}x{info.height}",
            "duration_s": round(info.duration, 2), "seconds": round(seconds, 2),
            "x_real_time": round(seconds / info.duration, 2), "frames": outputs.frames,
            "text_frames": outputs.text_frames, "peak_rss_mb_before": round(rss0 / 1024),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_rss_mb_largest_ffmpeg": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", nargs="*", default=list(CLIPS))
    parser.add_argument("--no-ocr", action="store_true")
    parser.add_argument("--long-minutes", type=float, help="only the memory run, on c01 looped to this length")
    args = parser.parse_args()
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="vt-bench-")))
    models = build_models(settings)
    if args.long_minutes:
        with tempfile.TemporaryDirectory() as tmp:
            row = run_long(args.long_minutes, settings, models, Path(tmp))
        print(json.dumps(row), flush=True)
        out = ROOT / "bench" / "results" / "caption_removal_long.json"
        runs = json.loads(out.read_text())["runs"] if out.exists() else {}
        runs[f"{args.long_minutes:g}"] = row
        out.write_text(json.dumps({"runs": runs, "cores": len(os.sched_getaffinity(0))}, indent=1))
        print(f"wrote {out}")
        return
    ocr = None
    if not args.no_ocr:
        from rapidocr import RapidOCR

        ocr = RapidOCR(params={"Global.log_level": "error"})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.clips:
            row = run_clip(name, settings, models, Path(tmp), ocr)
            print(json.dumps(row), flush=True)
            rows.append(row)
    out = ROOT / "bench" / "results" / "caption_removal.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"clips": rows, "cores": len(os.sched_getaffinity(0))}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
