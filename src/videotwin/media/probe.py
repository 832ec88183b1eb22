"""What a media file holds, from its container's metadata (ffprobe reads headers; nothing is
decoded): its length, whether it has sound, and its picture's size and rate. Inputs are checked
against their limits from this before any heavy work."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from videotwin.media.audio import MediaError

FFPROBE = "ffprobe"
FFPROBE_TIMEOUT_SECONDS = 60
MEGAPIXEL = 1_000_000


@dataclass(frozen=True)
class VideoInfo:
    width: int  # as displayed, after rotation
    height: int
    fps: float
    duration: float
    codec: str
    has_audio: bool
    frames: int


@dataclass(frozen=True)
class MediaInfo:
    duration: float  # seconds; 0.0 when the container does not say
    has_audio: bool
    video: VideoInfo | None  # the picture (a cover image attached to a sound file is not one)


def _number(value: object, default: float = 0.0) -> float:
    """A number from ffprobe's JSON (strings there; "N/A" when unknown)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def probe_media(path: Path) -> MediaInfo:
    """The file's streams from its metadata; MediaError (its message for the user) when ffprobe
    cannot read it as media."""
    if shutil.which(FFPROBE) is None:
        raise MediaError("ffprobe is not installed (Debian package ffmpeg)")
    cmd = [FFPROBE, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=False)
        data = json.loads(proc.stdout or b"{}") if proc.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError):
        data = None
    if not isinstance(data, dict):
        raise MediaError("the file is not readable as audio or video")
    streams = [s for s in data.get("streams", []) if isinstance(s, dict)]
    container = _number((data.get("format") or {}).get("duration"))
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    info = None
    if video is not None:
        width, height = int(_number(video.get("width"))), int(_number(video.get("height")))
        rotation = 0
        for side in video.get("side_data_list", []) or []:
            if "rotation" in side:
                rotation = int(_number(side["rotation"]))
        if abs(rotation) % 180 == 90:
            width, height = height, width
        rate = video.get("avg_frame_rate") or video.get("r_frame_rate") or "0/1"
        try:
            fps = float(Fraction(rate))
        except (ValueError, ZeroDivisionError):
            fps = 0.0
        duration = _number(video.get("duration")) or container
        frames = int(_number(video.get("nb_frames")) or round(duration * fps))
        info = VideoInfo(width, height, fps, duration, video.get("codec_name", ""), has_audio, frames)
    return MediaInfo(container or (info.duration if info else 0.0), has_audio, info)


def megapixels(pixels: float) -> str:
    """A pixel count in megapixels as people write it: 400, 8.8, 0.3."""
    return f"{pixels / MEGAPIXEL:.1f}".removesuffix(".0")
