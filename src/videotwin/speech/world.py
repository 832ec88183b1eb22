"""Voice transformation with the WORLD vocoder (pyworld): pitch mapping, formant (spectral-envelope)
warping and an equaliser curve. Used for the female English voice and for cloned voices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyworld

FRAME_PERIOD_MS = 5.0
F0_FLOOR_HZ = 60.0
F0_CEIL_HZ = 600.0


@dataclass(frozen=True)
class Analysis:
    f0: np.ndarray  # Hz per frame, 0 where unvoiced
    sp: np.ndarray  # spectral envelope, frames x (fft/2+1), power
    ap: np.ndarray  # aperiodicity, same shape
    sample_rate: int


def analyse(audio: np.ndarray, sample_rate: int) -> Analysis:
    x = audio.astype(np.float64)
    f0, t = pyworld.dio(x, sample_rate, f0_floor=F0_FLOOR_HZ, f0_ceil=F0_CEIL_HZ, frame_period=FRAME_PERIOD_MS)
    f0 = pyworld.stonemask(x, f0, t, sample_rate)
    sp = pyworld.cheaptrick(x, f0, t, sample_rate)
    ap = pyworld.d4c(x, f0, t, sample_rate)
    return Analysis(f0, sp, ap, sample_rate)


def warp_envelope(sp: np.ndarray, ratio: float) -> np.ndarray:
    """Move formants up (ratio > 1) or down: new[f] = old[f / ratio], interpolated per frame."""
    if abs(ratio - 1.0) < 1e-3:
        return sp
    bins = sp.shape[1]
    src = np.clip(np.arange(bins) / ratio, 0, bins - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, bins - 1)
    frac = src - lo
    log_sp = np.log(np.maximum(sp, 1e-16))
    warped = log_sp[:, lo] * (1 - frac) + log_sp[:, hi] * frac
    return np.exp(warped)


@dataclass(frozen=True)
class VoiceShift:
    """How to turn the base voice into another: log-F0 mean/std mapping, formant ratio, EQ (dB per bin
    on a normalised 0..1 frequency axis, resampled to the analysis resolution)."""

    source_log_f0_mean: float
    source_log_f0_std: float
    target_log_f0_mean: float
    target_log_f0_std: float
    formant_ratio: float = 1.0
    eq_db: tuple[float, ...] = ()

    def map_f0(self, f0: np.ndarray) -> np.ndarray:
        out = np.zeros_like(f0)
        voiced = f0 > 0
        z = (np.log(f0[voiced]) - self.source_log_f0_mean) / max(self.source_log_f0_std, 1e-3)
        out[voiced] = np.exp(z * self.target_log_f0_std + self.target_log_f0_mean)
        return np.clip(out, 0, F0_CEIL_HZ)


def apply(audio: np.ndarray, sample_rate: int, shift: VoiceShift) -> np.ndarray:
    return apply_analysis(analyse(audio, sample_rate), shift)


def apply_analysis(a: Analysis, shift: VoiceShift) -> np.ndarray:
    sample_rate = a.sample_rate
    sp = warp_envelope(a.sp, shift.formant_ratio)
    if shift.eq_db:
        eq = np.interp(np.linspace(0, 1, sp.shape[1]), np.linspace(0, 1, len(shift.eq_db)), shift.eq_db)
        sp = sp * (10 ** (eq / 10.0))[None, :]  # power spectrum: dB/10
    y = pyworld.synthesize(np.ascontiguousarray(shift.map_f0(a.f0)), np.ascontiguousarray(sp), a.ap, sample_rate,
                           FRAME_PERIOD_MS)
    return y.astype(np.float32)


def log_f0_stats(f0: np.ndarray) -> tuple[float, float]:
    voiced = f0[f0 > 0]
    if voiced.size < 10:
        raise ValueError("too little voiced speech")
    logs = np.log(voiced)
    return float(logs.mean()), float(logs.std())
