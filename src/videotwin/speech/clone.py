"""Voice cloning without neural voice-conversion weights (none exist offline): learn how the
reference speaker differs from a base voice and apply that to the base voice's speech with WORLD.

Learned, per speaker: the mean and spread of log-F0 (pitch range), the formant ratio (vocal-tract
length: the warp of the base voice's average spectral envelope that best matches the speaker's),
and an equaliser curve (what differs after the warp: timbre, brightness, recording colour)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videotwin.inference.registry import Model
from videotwin.speech import voices, world
from videotwin.speech.tts import CloneProfile, Synthesizer
from videotwin.speech.voices import PublicVoice

# Speech the base voice reads to describe itself (phonetically varied, about 20 s).
CALIBRATION_TEXT = {
    "en": ("The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
           "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. "
           "Rice is often served in round bowls. The juice of lemons makes fine punch. "
           "The box was thrown beside the parked truck. Four hours of steady work faced us."),
    "ja": ("きょうは とても いい てんきです。 あさから こうえんを さんぽしました。 "
           "えきの まえで ともだちに あいました。 いっしょに おちゃを のみながら はなしました。"),
}
FORMANT_RATIOS = np.arange(0.80, 1.32, 0.01)
# Frequencies compared when fitting (Hz): below this is pitch, above it is mostly noise and codec.
FIT_LOW_HZ, FIT_HIGH_HZ = 150.0, 5000.0
EQ_POINTS = 48
EQ_LIMIT_DB = 9.0
EQ_SMOOTH_POINTS = 5
MIN_VOICED_FRAMES = 200  # 1 s of voiced speech at a 5 ms frame period


class ReferenceError(ValueError):
    """The reference speech cannot be learned from; the message says why."""


@dataclass(frozen=True)
class SpeakerStats:
    log_f0_mean: float
    log_f0_std: float
    mean_log_envelope: np.ndarray  # natural log power per bin, level-normalised
    sample_rate: int


def speaker_stats(audio: np.ndarray, sample_rate: int) -> SpeakerStats:
    a = world.analyse(audio, sample_rate)
    voiced = a.f0 > 0
    if voiced.sum() < MIN_VOICED_FRAMES:
        raise ReferenceError(f"only {voiced.sum() * world.FRAME_PERIOD_MS / 1000:.1f} s of voiced speech was found; "
                             "at least 1 s is needed")
    log_sp = np.log(np.maximum(a.sp[voiced], 1e-16))
    energy = log_sp.mean(axis=1)
    loud = log_sp[energy >= np.median(energy)]  # the louder half: vowels, not breath or reverb tails
    env = loud.mean(axis=0)
    mean, std = world.log_f0_stats(a.f0)
    return SpeakerStats(mean, std, env - env.mean(), sample_rate)


def _fit_band(stats: SpeakerStats) -> np.ndarray:
    bins = stats.mean_log_envelope.size
    hz = np.linspace(0, stats.sample_rate / 2, bins)
    return (hz >= FIT_LOW_HZ) & (hz <= FIT_HIGH_HZ)


def fit(reference: SpeakerStats, base: SpeakerStats) -> CloneProfile:
    """The formant ratio that best maps the base envelope onto the reference, then an EQ for the rest."""
    band = _fit_band(base)
    best_ratio, best_err = 1.0, np.inf
    for ratio in FORMANT_RATIOS:
        warped = np.log(world.warp_envelope(np.exp(base.mean_log_envelope)[None, :], float(ratio))[0])
        diff = reference.mean_log_envelope[band] - warped[band]
        err = float(np.mean((diff - diff.mean()) ** 2))
        if err < best_err:
            best_ratio, best_err = float(ratio), err
    warped = np.log(world.warp_envelope(np.exp(base.mean_log_envelope)[None, :], best_ratio)[0])
    diff_db = 10 * np.log10(np.e) * (reference.mean_log_envelope - warped)  # natural-log power -> dB
    diff_db -= diff_db[band].mean()
    points = np.interp(np.linspace(0, diff_db.size - 1, EQ_POINTS), np.arange(diff_db.size), diff_db)
    kernel = np.ones(EQ_SMOOTH_POINTS) / EQ_SMOOTH_POINTS
    smooth = np.convolve(np.pad(points, EQ_SMOOTH_POINTS // 2, mode="edge"), kernel, mode="valid")
    eq = tuple(float(v) for v in np.clip(smooth, -EQ_LIMIT_DB, EQ_LIMIT_DB))
    return CloneProfile(base_voice_id="", log_f0_mean=reference.log_f0_mean, log_f0_std=reference.log_f0_std,
                        formant_ratio=best_ratio, eq_db=eq)


def base_stats(synth: Synthesizer, voice: PublicVoice) -> SpeakerStats:
    text = CALIBRATION_TEXT.get(voice.language)
    if text is None:
        raise ReferenceError(f"no calibration text for language {voice.language!r}")
    audio, sr = synth.synthesize(text, voice)
    return speaker_stats(audio, sr)


class VoiceCalibration(Model):
    """What a base voice sounds like (its SpeakerStats), measured once from its own calibration speech
    and kept like a model: variant = the public voice's id. predict() -> SpeakerStats."""

    NAME = "voice.calibration"

    def load(self) -> None:
        voice = voices.get(self.env.variant or "")
        if voice is None:
            raise ValueError(f"no public voice {self.env.variant!r} to calibrate")
        self.stats = base_stats(Synthesizer(self.env.registry), voice)

    def unload(self) -> None:
        self.stats = None

    def predict(self) -> SpeakerStats:
        return self.stats
