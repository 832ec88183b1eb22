"""Audio in and out through ffmpeg (a separate program): decode anything to float32 samples,
write WAV, and encode loudness-normalised MP3."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from videotwin.errors import scrub_paths

FFMPEG = "ffmpeg"
FFMPEG_TIMEOUT_SECONDS = 600
# Spoken-word loudness target (EBU R128 / podcast practice) and true-peak ceiling.
TARGET_LUFS = -16.0
TARGET_TRUE_PEAK_DB = -1.5
TARGET_LRA = 11.0
MP3_BITRATE = "128k"
# loudnorm's linear pass needs at least this much sound (ffmpeg falls back to a gain of its own
# below it, which left a 1-3 s sentence near -35 LUFS), and integrated loudness is measured over
# 400 ms blocks (EBU R128: a one-word clip of 0.3 s measures -inf LUFS, which loudnorm refuses). A
# shorter clip is measured looped to this length (the same sound, long enough to measure) and
# brought to the target with one gain and a limiter.
LOUDNORM_MIN_SECONDS = 3.0
# loudnorm accepts measured loudness down to this; quieter is below EBU R128's -70 LUFS gate anyway.
LOUDNORM_MIN_MEASURED_LUFS = -99.0


class MediaError(Exception):
    """The file could not be read as audio; the message says why."""


def _ffmpeg() -> str:
    if shutil.which(FFMPEG) is None:
        raise MediaError("ffmpeg is not installed (Debian package ffmpeg)")
    return FFMPEG


# ffmpeg's reason for failing, as shown to users, is at most this long.
MAX_REASON_CHARS = 200


def ffmpeg_reason(stderr: bytes, path: Path) -> str:
    """The last line ffmpeg wrote about `path`, for a user: without the file's own path (ffmpeg starts
    its lines with it; it is a server folder) or any other."""
    lines = stderr.decode(errors="replace").strip().splitlines()
    if not lines:
        return "ffmpeg failed"
    reason = lines[-1].removeprefix(f"{path}: ")
    return scrub_paths(reason, [path.parent])[:MAX_REASON_CHARS]


def decode(path: Path, sample_rate: int, max_seconds: float | None = None) -> np.ndarray:
    """Any audio or video file -> mono float32 samples at `sample_rate`."""
    cmd = [_ffmpeg(), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(sample_rate)]
    if max_seconds is not None:
        cmd += ["-t", f"{max_seconds:.3f}"]
    cmd += ["-f", "f32le", "-"]
    proc = subprocess.run(cmd, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False)
    if proc.returncode != 0:
        raise MediaError(f"not readable as audio ({ffmpeg_reason(proc.stderr, path)})")
    audio = np.frombuffer(proc.stdout, dtype=np.float32).copy()
    if audio.size == 0:
        raise MediaError("the file has no audio stream")
    return audio


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())


def _measure_loudness(wav: Path) -> dict:
    cmd = [_ffmpeg(), "-nostdin", "-hide_banner", "-i", str(wav), "-af",
           f"loudnorm=I={TARGET_LUFS}:TP={TARGET_TRUE_PEAK_DB}:LRA={TARGET_LRA}:print_format=json",
           "-f", "null", "-"]
    err = subprocess.run(cmd, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=True).stderr.decode()
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", err, re.S)
    if not found:
        raise MediaError("loudness measurement failed")
    return json.loads(found.group(0))


def _measurable(measured: dict) -> bool:
    level = float(measured["input_i"])
    return math.isfinite(level) and level >= LOUDNORM_MIN_MEASURED_LUFS


def _loudnorm(measured: dict) -> str:
    """loudnorm's second, linear pass: the whole file gets one gain (no pumping)."""
    return (f"loudnorm=I={TARGET_LUFS}:TP={TARGET_TRUE_PEAK_DB}:LRA={TARGET_LRA}"
            f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
            f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
            f":offset={measured['target_offset']}:linear=true")


def _one_gain(measured: dict) -> str:
    """The gain to the target loudness, and a limiter holding the peaks under the ceiling."""
    gain_db = TARGET_LUFS - float(measured["input_i"])
    ceiling = 10 ** (TARGET_TRUE_PEAK_DB / 20)
    return f"volume={gain_db:.2f}dB,alimiter=limit={ceiling:.4f}:level=false"


def encode_normalized(audio: np.ndarray, sample_rate: int, dest: Path) -> None:
    """Write `audio` to `dest` (.mp3 or .wav) at -16 LUFS, -1.5 dBTP: two-pass loudnorm, linear mode
    (the whole file gets one gain, no pumping); under LOUDNORM_MIN_SECONDS, one gain and a limiter.
    A clip too quiet to measure at all (silence) is written as it is."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "in.wav"
        write_wav(wav, audio, sample_rate)
        short = audio.size < LOUDNORM_MIN_SECONDS * sample_rate
        measure = wav
        if short and audio.size:
            measure = Path(tmp) / "looped.wav"
            write_wav(measure, np.tile(audio, math.ceil(LOUDNORM_MIN_SECONDS * sample_rate / audio.size)),
                      sample_rate)
        measured = _measure_loudness(measure)
        filt = "anull" if not _measurable(measured) else _one_gain(measured) if short else _loudnorm(measured)
        codec = ["-c:a", "libmp3lame", "-b:a", MP3_BITRATE] if dest.suffix == ".mp3" else ["-c:a", "pcm_s16le"]
        cmd = [_ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", str(wav), "-af", filt,
               "-ar", str(sample_rate), "-ac", "1", *codec, str(dest)]
        subprocess.run(cmd, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=True)


def rms_dbfs(audio: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    return 20 * np.log10(max(rms, 1e-10))
