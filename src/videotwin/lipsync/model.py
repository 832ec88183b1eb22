"""The universal lip-shape model: speech -> mouth opening per video frame, for any speaker.

Ridge regression from +-2 frames of 80-band log-mel and its rate of change, each band standardised
over the clip it comes from (removes the speaker's and the microphone's colour), to the
speaker-standardised mouth opening. Where nobody speaks (voice activity, `features.speaking`) the
mouth is closed: a regression on spectra cannot tell room noise from quiet speech, and on footage
with long pauses it opened the mouth in the silences.

Measured (scripts/train_universal_lipsync.py, leave one speaker out over the five fixture clips,
mean r): log-mel alone 0.36 (v04 -0.24: in its long pauses the per-clip standardised spectra of
room noise looked like speech, and the model opened the mouth there); with the voice-activity gate
0.46; with the rate of change as well 0.49 (v04 0.54). Whisper encoder states generalised worse
across speakers (0.15-0.18, see bench/lipsync_universal.py). The weights are made by
scripts/train_universal_lipsync.py from the fixtures it lists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videotwin.inference.registry import Model
from videotwin.inference.vad import SileroVad
from videotwin.lipsync.features import LOGMEL_FRAMES_PER_SECOND, _to_frames, speaking, with_context

SAMPLE_RATE_HZ = 16_000
CONTEXT_FRAMES = 2
RIDGE_LAMBDA = 1e3
SMOOTH_FRAMES = 3
WEIGHTS = Path(__file__).parent / "weights" / "universal_logmel_ridge.npz"
# Feature sets a stored model may name (personalised models keep a copy of the universal model they
# were trained with, so older sets stay readable).
LOGMEL = "logmel"
LOGMEL_DELTA = "logmel+delta"
# Where nobody speaks the standardised opening is set this far below the speech frames' mean (about
# where a closed mouth sits in a speaker's standardised opening).
SILENT_Z = -2.0


def logmel(audio: np.ndarray) -> np.ndarray:
    """Whisper's 80-band log-mel, T x 80 at 100 frames per second."""
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor(feature_size=80)(audio).T


def frame_features(audio: np.ndarray, fps: float, n_frames: int, kind: str = LOGMEL_DELTA) -> np.ndarray:
    mel = logmel(audio)
    mel = (mel - mel.mean(axis=0)) / (mel.std(axis=0) + 1e-6)
    per_frame = [_to_frames(mel, LOGMEL_FRAMES_PER_SECOND, fps, n_frames)]
    if kind == LOGMEL_DELTA:
        # How fast each band changes: onsets and releases mark the mouth opening and closing.
        per_frame.append(_to_frames(np.gradient(mel, axis=0), LOGMEL_FRAMES_PER_SECOND, fps, n_frames))
    elif kind != LOGMEL:
        raise ValueError(f"unknown feature set {kind!r}")
    return with_context(np.concatenate(per_frame, axis=1), CONTEXT_FRAMES)


def zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / max(float(x.std()), 1e-6)


def smooth(pred: np.ndarray) -> np.ndarray:
    kernel = np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES
    return np.convolve(np.pad(pred, SMOOTH_FRAMES // 2, mode="edge"), kernel, mode="valid")


def finish(raw: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """A model's raw per-frame prediction -> the contract every lip-sync model returns: standardised
    over the frames with speech (mean 0, sd 1 there), SILENT_Z where nobody speaks, smoothed so the
    mouth closes and opens over a few frames rather than at once."""
    raw = np.asarray(raw, np.float64)
    if not voiced.any():
        voiced = np.ones_like(voiced)  # no speech found at all (a song, a whisper): let the model decide
    mean, sd = raw[voiced].mean(), max(float(raw[voiced].std()), 1e-6)
    return smooth(np.where(voiced, (raw - mean) / sd, SILENT_Z))


@dataclass(frozen=True)
class MouthModel:
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    bias: float
    features: str = LOGMEL_DELTA

    def raw(self, audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
        """The regression's output per frame (smoothed, not gated): a personalised model's input."""
        x = (frame_features(audio, fps, n_frames, self.features) - self.mean) / self.scale
        return smooth(x @ self.weights + self.bias)

    def predict(self, audio: np.ndarray, fps: float, n_frames: int, voiced: np.ndarray) -> np.ndarray:
        """Standardised mouth opening per frame (see `finish`); `voiced`: features.speaking."""
        return finish(self.raw(audio, fps, n_frames), voiced)

    def save(self, path: Path, record: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, weights=self.weights, mean=self.mean, scale=self.scale, bias=np.array([self.bias]),
                 features=np.array(self.features))
        path.with_suffix(".json").write_text(json.dumps(record, indent=2))

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> MouthModel:
        with np.load(path) as d:
            return cls(d["weights"], d["mean"], d["scale"], float(d["bias"][0]), stored_features(d))


def stored_features(stored, key: str = "features") -> str:
    """The feature set a stored model was trained on (models from before the name was stored: log-mel)."""
    return str(stored[key]) if key in stored else LOGMEL


def train(examples: list[tuple[np.ndarray, float, np.ndarray]], kind: str = LOGMEL_DELTA) -> MouthModel:
    """examples: (16 kHz audio, fps, mouth opening per frame) per clip."""
    xs, ys = [], []
    for audio, fps, opening in examples:
        n = min(len(opening), int(len(audio) / SAMPLE_RATE_HZ * fps))
        xs.append(frame_features(audio, fps, n, kind))
        ys.append(zscore(opening[:n]))
    x, y = np.concatenate(xs), np.concatenate(ys)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs_ = (x - mean) / scale
    weights = np.linalg.solve(xs_.T @ xs_ + RIDGE_LAMBDA * np.eye(xs_.shape[1]), xs_.T @ (y - y.mean()))
    return MouthModel(weights.astype(np.float32), mean.astype(np.float32), scale.astype(np.float32),
                      float(y.mean()), kind)


class UniversalLipsync(Model):
    """The registry's universal lip-sync model: predict(audio, fps, n_frames) -> standardised mouth
    opening per frame, for any speaker. A plugin may register a stronger engine under this name; it
    must keep this contract (model.finish: unit spread over speech, SILENT_Z where nobody speaks)."""

    NAME = "lipsync.universal"

    def load(self) -> None:
        self.weights = MouthModel.load()

    def unload(self) -> None:
        self.weights = None

    def predict(self, audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
        with self.env.registry.use(SileroVad) as vad:
            voiced = speaking(audio, fps, n_frames, vad)
        return self.weights.predict(audio, fps, n_frames, voiced)
