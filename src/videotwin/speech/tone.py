"""A speaker's recording colour as a smooth tone curve: the long-term average spectrum of their
speech against a synthetic voice's, matched with one zero-phase filter on the waveform (no
resynthesis, so nothing of the voice's quality is lost)."""

from __future__ import annotations

import numpy as np
from scipy import signal

# Where the curve is kept (Hz): a third of an octave apart from 80 Hz to 10 kHz.
TONE_HZ = tuple(float(f) for f in 80.0 * 2.0 ** (np.arange(0, 22) / 3.0))
TONE_LIMIT_DB = 12.0
WELCH_SEGMENT = 1024
FILTER_TAPS = 1025
# Below this level (dB under the loudest frame) a frame is a pause, not speech.
PAUSE_DB = 30.0
FRAME_SECONDS = 0.03


def _speech(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The loud frames only: pauses and breaths would tilt the average towards noise."""
    n = int(FRAME_SECONDS * sample_rate)
    frames = audio[: audio.size // n * n].reshape(-1, n)
    if frames.shape[0] == 0:
        return audio
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    return frames[level >= level.max() - PAUSE_DB].ravel()


def _level_db(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    f, p = signal.welch(_speech(audio, sample_rate), sample_rate, nperseg=WELCH_SEGMENT)
    hz = np.asarray(TONE_HZ)
    # Third-octave bands around each point.
    out = np.empty(hz.size)
    for i, centre in enumerate(hz):
        band = (f >= centre * 2 ** (-1 / 6)) & (f < centre * 2 ** (1 / 6))
        out[i] = 10 * np.log10(p[band].mean() + 1e-20) if band.any() else np.nan
    return out


def curve(speaker: np.ndarray, speaker_rate: int, voice: np.ndarray, voice_rate: int) -> tuple[float, ...]:
    """The tone curve (dB per TONE_HZ point, mean 0, within ±TONE_LIMIT_DB) that gives `voice` the
    average spectrum of `speaker`. Points above either recording's band are left at 0."""
    diff = _level_db(speaker, speaker_rate) - _level_db(voice, voice_rate)
    top = min(speaker_rate, voice_rate) / 2 * 0.9
    usable = np.isfinite(diff) & (np.asarray(TONE_HZ) <= top)
    if not usable.any():
        return ()
    diff = np.where(usable, diff, 0.0)
    diff[usable] -= diff[usable].mean()
    return tuple(float(v) for v in np.clip(diff, -TONE_LIMIT_DB, TONE_LIMIT_DB))


def apply(audio: np.ndarray, sample_rate: int, tone_db: tuple[float, ...]) -> np.ndarray:
    """Filter `audio` by the curve (interpolated on a log-frequency axis), keeping its peak level."""
    if not tone_db or audio.size == 0:
        return audio
    freqs = np.linspace(0, sample_rate / 2, FILTER_TAPS // 2 + 1)
    hz = np.asarray(TONE_HZ)
    gain_db = np.interp(np.log(np.maximum(freqs, hz[0])), np.log(hz), np.asarray(tone_db))
    taps = signal.firwin2(FILTER_TAPS, freqs, 10 ** (gain_db / 20), fs=sample_rate)
    out = signal.fftconvolve(audio, taps, mode="same")
    peak = np.abs(out).max()
    return (out * (np.abs(audio).max() / peak if peak > 0 else 1.0)).astype(np.float32)
