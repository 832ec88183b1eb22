"""The universal lip-shape model: speech -> mouth opening per video frame, for any speaker.

Ridge regression from +-2 frames of 80-band log-mel, each band standardised over the clip it comes
from (removes the speaker's and the microphone's colour), to the speaker-standardised mouth opening.
Measured against Whisper encoder states in bench/lipsync_universal.py: leave-one-speaker-out r 0.36
(log-mel, per-clip standardised) vs 0.15-0.18 (Whisper states); DESIGN.md's floor is 0.22.
The weights are made by scripts/train_universal_lipsync.py from the fixtures it lists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE_HZ = 16_000
LOGMEL_FRAMES_PER_SECOND = 100.0
CONTEXT_FRAMES = 2
RIDGE_LAMBDA = 1e3
SMOOTH_FRAMES = 3
WEIGHTS = Path(__file__).parent / "weights" / "universal_logmel_ridge.npz"


def logmel(audio: np.ndarray) -> np.ndarray:
    """Whisper's 80-band log-mel, T x 80 at 100 frames per second."""
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor(feature_size=80)(audio).T


def frame_features(audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    from videotwin.lipsync.features import _to_frames, with_context

    mel = logmel(audio)
    mel = (mel - mel.mean(axis=0)) / (mel.std(axis=0) + 1e-6)
    return with_context(_to_frames(mel, LOGMEL_FRAMES_PER_SECOND, fps, n_frames), CONTEXT_FRAMES)


def zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / max(float(x.std()), 1e-6)


@dataclass(frozen=True)
class MouthModel:
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    bias: float

    def predict(self, audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
        """Standardised mouth opening (mean 0, sd about 1 over speech) per frame."""
        x = (frame_features(audio, fps, n_frames) - self.mean) / self.scale
        pred = x @ self.weights + self.bias
        kernel = np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES
        return np.convolve(np.pad(pred, SMOOTH_FRAMES // 2, mode="edge"), kernel, mode="valid")

    def save(self, path: Path, record: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, weights=self.weights, mean=self.mean, scale=self.scale, bias=np.array([self.bias]))
        path.with_suffix(".json").write_text(json.dumps(record, indent=2))

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> MouthModel:
        d = np.load(path)
        return cls(d["weights"], d["mean"], d["scale"], float(d["bias"][0]))


def train(examples: list[tuple[np.ndarray, float, np.ndarray]]) -> MouthModel:
    """examples: (16 kHz audio, fps, mouth opening per frame) per clip."""
    xs, ys = [], []
    for audio, fps, opening in examples:
        n = min(len(opening), int(len(audio) / SAMPLE_RATE_HZ * fps))
        xs.append(frame_features(audio, fps, n))
        ys.append(zscore(opening[:n]))
    x, y = np.concatenate(xs), np.concatenate(ys)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs_ = (x - mean) / scale
    weights = np.linalg.solve(xs_.T @ xs_ + RIDGE_LAMBDA * np.eye(xs_.shape[1]), xs_.T @ (y - y.mean()))
    return MouthModel(weights.astype(np.float32), mean.astype(np.float32), scale.astype(np.float32), float(y.mean()))
