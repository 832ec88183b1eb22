"""Features for lip-sync: lip shape from tracked landmarks, and speech features per video frame.

Lip shape is measured in a face-normalised frame (origin at the mouth centre, eye line horizontal,
unit = outer-eye-corner distance), so head motion and distance to the camera do not count as speech.
Speech features are Whisper-base encoder states (speaker-independent, 50 per second) or log-mel
energies (100 per second), both resampled to the video's frame times."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from videotwin.inference.vad import CHUNK_SAMPLES as VAD_CHUNK_SAMPLES
from videotwin.inference.vad import SileroVad
from videotwin.inference.whisper import STATES_PER_SECOND as WHISPER_STATES_PER_SECOND
from videotwin.inference.whisper import Whisper
from videotwin.lipsync.tracking import LEFT_EYE_OUTER, RIGHT_EYE_OUTER, Track

OUTER_LIPS = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185]
INNER_LIPS = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191]
LIPS = OUTER_LIPS + INNER_LIPS
SAMPLE_RATE_HZ = 16_000
LOGMEL_FRAMES_PER_SECOND = 100.0
# Voice activity (Silero VAD, inference/vad.py): above this probability counts as speech.
VAD_THRESHOLD = 0.5
# The lips part a little before a sound is heard and close a little after it ends (seconds).
MOUTH_LEADS_SPEECH_SECONDS = 0.10
MOUTH_TRAILS_SPEECH_SECONDS = 0.15


def normalised_lips(track: Track) -> np.ndarray:
    """frames x 40 x 2 lip points in the face-normalised frame."""
    lm = track.landmarks[:, :, :2]
    left, right = lm[:, LEFT_EYE_OUTER], lm[:, RIGHT_EYE_OUTER]
    eye = right - left
    scale = np.linalg.norm(eye, axis=1, keepdims=True)
    cos, sin = eye[:, 0:1] / scale, eye[:, 1:2] / scale
    lips = lm[:, LIPS]
    centre = lips.mean(axis=1, keepdims=True)
    rel = lips - centre
    x = rel[..., 0] * cos + rel[..., 1] * sin  # rotate by minus the eye-line angle
    y = -rel[..., 0] * sin + rel[..., 1] * cos
    return np.stack([x, y], axis=-1) / scale[:, None, :]


def _to_frames(states: np.ndarray, states_per_second: float, fps: float, n_frames: int) -> np.ndarray:
    """Average the states that fall inside each video frame (linear interpolation at frame centres)."""
    times = (np.arange(n_frames) + 0.5) / fps * states_per_second - 0.5
    idx = np.clip(times, 0, len(states) - 1)
    lo = np.floor(idx).astype(int)
    hi = np.minimum(lo + 1, len(states) - 1)
    frac = (idx - lo)[:, None]
    return states[lo] * (1 - frac) + states[hi] * frac


def speech_features(kind: str, whisper: Whisper, audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    if kind == "whisper":
        return _to_frames(whisper.encoder_states(audio), WHISPER_STATES_PER_SECOND, fps, n_frames)
    if kind == "logmel":
        return _to_frames(whisper.logmel(audio), LOGMEL_FRAMES_PER_SECOND, fps, n_frames)
    raise ValueError(f"unknown speech feature {kind!r}")


def speaking(audio: np.ndarray, fps: float, n_frames: int, vad: SileroVad) -> np.ndarray:
    """Per video frame: is someone speaking at (or just around) this frame?"""
    prob = vad.predict(audio)
    voiced = _to_frames(prob[:, None], SAMPLE_RATE_HZ / VAD_CHUNK_SAMPLES, fps, n_frames)[:, 0] > VAD_THRESHOLD
    # Widen each stretch of speech by the lead and the trail (a dilation over frames).
    lead, trail = round(MOUTH_LEADS_SPEECH_SECONDS * fps), round(MOUTH_TRAILS_SPEECH_SECONDS * fps)
    window = np.ones(lead + trail + 1)
    return np.convolve(np.pad(voiced, (trail, lead)).astype(np.float32), window, mode="valid")[:n_frames] > 0


def with_context(features: np.ndarray, frames: int) -> np.ndarray:
    """Stack each frame's features with those `frames` before and after (edges repeated)."""
    padded = np.pad(features, ((frames, frames), (0, 0)), mode="edge")
    return np.concatenate([padded[i:i + len(features)] for i in range(2 * frames + 1)], axis=1)


def cache_path(root: Path, clip: str, what: str) -> Path:
    return root / f"{Path(clip).stem}.{what}.npy"
