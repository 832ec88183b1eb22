"""Video in and out through ffmpeg (a separate program): probe, decode frames, encode H.264 + AAC."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from videotwin.media.audio import FFMPEG, FFMPEG_TIMEOUT_SECONDS, MediaError

FFPROBE = "ffprobe"


@dataclass(frozen=True)
class VideoInfo:
    width: int  # as displayed, after rotation
    height: int
    fps: float
    duration: float
    codec: str
    has_audio: bool
    frames: int


def probe(path: Path) -> VideoInfo:
    if shutil.which(FFPROBE) is None:
        raise MediaError("ffprobe is not installed (Debian package ffmpeg)")
    cmd = [FFPROBE, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    proc = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise MediaError("not readable as a video")
    data = json.loads(proc.stdout or b"{}")
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not s.get("disposition", {}).get("attached_pic")), None)
    if video is None:
        raise MediaError("the file has no video stream")
    width, height = int(video["width"]), int(video["height"])
    rotation = 0
    for side in video.get("side_data_list", []) or []:
        if "rotation" in side:
            rotation = int(side["rotation"])
    if abs(rotation) % 180 == 90:
        width, height = height, width
    rate = video.get("avg_frame_rate") or video.get("r_frame_rate") or "0/1"
    fps = float(Fraction(rate)) if rate not in ("0/0", "0/1") else 0.0
    duration = float(video.get("duration") or data.get("format", {}).get("duration") or 0.0)
    frames = int(video.get("nb_frames") or round(duration * fps))
    return VideoInfo(width, height, fps, duration, video.get("codec_name", ""),
                     any(s.get("codec_type") == "audio" for s in streams), frames)


def scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Even dimensions no larger than max_side on the longer side (aspect kept)."""
    if max_side and max(width, height) > max_side:
        scale = max_side / max(width, height)
        width, height = width * scale, height * scale
    return int(round(width / 2)) * 2, int(round(height / 2)) * 2


def frames(path: Path, size: tuple[int, int] | None = None, fps: float | None = None) -> Iterator[np.ndarray]:
    """Decoded RGB frames (height x width x 3, uint8), rotated upright, optionally scaled, at a constant
    rate (`fps`, default the clip's average): frame i shows time i / fps.

    Phone footage is often variable-frame-rate (v04 mixes 33 ms and 67 ms frame intervals): taking the
    decoded frames as evenly spaced would put the mouth hundreds of milliseconds off its sound, so the
    fps filter places frames by their timestamps."""
    info = probe(path)
    width, height = size or (info.width, info.height)
    rate = fps or info.fps or 25.0
    filters = [f"fps={rate}", f"scale={width}:{height}:flags=bilinear"]
    cmd = [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-an", "-vf", ",".join(filters),
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    return _raw_frames(cmd, width, height)


def _raw_frames(cmd: list[str], width: int, height: int) -> Iterator[np.ndarray]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    frame_bytes = width * height * 3
    try:
        while True:
            buf = proc.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            yield np.frombuffer(buf, np.uint8).reshape(height, width, 3)
    finally:
        proc.stdout.close()
        try:
            proc.wait(timeout=FFMPEG_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()


def stream(path: Path, size: tuple[int, int], fps: float, start: int = 0, count: int | None = None,
           scale_from: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Frames from `start` on of a constant-rate file we wrote (no rate conversion), at `size`
    (scaled when the file is `scale_from`), found by seeking: quick when `start` is a keyframe (see
    Encoder's keyint)."""
    width, height = size
    # Half a frame early, so rounding never skips frame `start`; accurate seeking drops earlier frames.
    seek = max(start - 0.5, 0.0) / fps
    cmd = [FFMPEG, "-nostdin", "-v", "error"]
    if start > 0:
        cmd += ["-ss", f"{seek:.6f}"]
    cmd += ["-i", str(path), "-an"]
    if scale_from is not None and tuple(scale_from) != tuple(size):
        cmd += ["-vf", f"scale={width}:{height}:flags=bilinear"]
    if count is not None:
        cmd += ["-frames:v", str(count)]
    return _raw_frames(cmd + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"], width, height)


def read_block(path: Path, size: tuple[int, int], fps: float, start: int, count: int,
               scale_from: tuple[int, int] | None = None) -> list[np.ndarray]:
    return list(stream(path, size, fps, start, count, scale_from))


# x264 quality (lower is better; 18-23 is visually clean) and speed preset for outputs.
H264_CRF = 20
H264_PRESET = "veryfast"
AAC_BITRATE = "128k"


class Encoder:
    """Write RGB frames to an H.264 MP4 (yuv420p, +faststart), muxing AAC audio from a file if given.

    The video is cut or padded (last frame held) to the audio's length, so both end together.
    keyint: a keyframe exactly every this many frames (for files read back in blocks, see read_block)."""

    def __init__(self, dest: Path, size: tuple[int, int], fps: float, audio: Path | None = None,
                 crf: int = H264_CRF, preset: str = H264_PRESET, keyint: int | None = None,
                 frames: int | None = None) -> None:
        width, height = size
        self.frame_bytes = width * height * 3
        cmd = [FFMPEG, "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-r", f"{fps}", "-i", "-"]
        if audio is not None:
            cmd += ["-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", AAC_BITRATE, "-af", "apad"]
            # Knowing the frame count, cut both streams at exactly that time (-shortest overshoots the
            # video's end by up to an audio packet or two).
            cmd += ["-t", f"{frames / fps:.6f}"] if frames else ["-shortest"]
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
        if keyint:
            cmd += ["-g", str(keyint), "-keyint_min", str(keyint), "-sc_threshold", "0"]
        cmd += ["-movflags", "+faststart", str(dest)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, frame: np.ndarray) -> None:
        data = np.ascontiguousarray(frame, dtype=np.uint8).tobytes()
        if len(data) != self.frame_bytes:
            raise ValueError(f"frame has {len(data)} bytes, expected {self.frame_bytes}")
        self.proc.stdin.write(data)

    def close(self) -> None:
        self.proc.stdin.close()
        code = self.proc.wait(timeout=FFMPEG_TIMEOUT_SECONDS)
        if code != 0:
            raise MediaError(f"encoding failed: {self.proc.stderr.read().decode(errors='replace')[-300:]}")
