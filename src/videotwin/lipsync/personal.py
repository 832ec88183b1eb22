"""Personalised lip-sync models ("continue training"): the universal model adapted to one avatar on
its own footage, its speech and its tracked mouth.

The personalised model predicts the mouth opening from two things: the universal model's own
prediction (so it starts from what the universal model knows) and Whisper-base encoder states of the
speech (+-2 frames), which describe the sounds far more richly than log-mel but need a person's own
data to map onto that person's mouth. The map is a ridge regression, solved exactly: on a few hundred
frames a closed-form fit is both the best and the quickest training there is (bench/lipsync_training.py
compares it, per clip, with the universal model on footage neither saw; a small PyTorch network
fine-tuned from the universal weights did worse there and is not used).

Augmentation: the training audio again with noise at two levels (so TTS and noisy recordings map
alike). The last VALIDATION_SHARE of the footage is never trained on: the regularisation is chosen
on it, and it decides whether the new model beats the universal one on the same frames."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videotwin.inference.registry import Model
from videotwin.inference.vad import SileroVad
from videotwin.inference.whisper import Whisper
from videotwin.lipsync.features import WHISPER_STATES_PER_SECOND, _to_frames, speaking, with_context
from videotwin.lipsync.model import SAMPLE_RATE_HZ, MouthModel, finish, smooth, stored_features, zscore

KIND = "personal-whisper-ridge-v1"
VALIDATION_SHARE = 0.2
NOISE_SNR_DB = (25.0, 15.0)
CONTEXT_FRAMES = 2
# Ridge strengths tried; the one best on the held-out frames is kept.
RIDGE_LAMBDAS = (1e3, 1e4, 3e4)
# The universal prediction enters as one column scaled up by this much (times sqrt of the feature
# count), so the ridge penalty barely touches it: the fit keeps it unless the person's data disagree.
UNIVERSAL_COLUMN_GAIN = 3.0
# Used only if its held-out correlation beats the universal model's by this much.
MIN_GAIN_R = 0.03
# Fewer held-out frames with a face than this cannot tell two models apart.
MIN_VALIDATION_FRAMES = 40


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or a.std() < 1e-9 or b.std() < 1e-9:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _states(whisper: Whisper, audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    states = whisper.encoder_states(audio)
    return with_context(_to_frames(states, WHISPER_STATES_PER_SECOND, fps, n_frames), CONTEXT_FRAMES)


@dataclass(frozen=True)
class PersonalModel:
    universal: MouthModel  # a copy: the model keeps working if the shipped universal weights change
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (D + 1,): Whisper features, then the universal column
    bias: float

    def _design(self, states: np.ndarray, universal_z: np.ndarray) -> np.ndarray:
        column = UNIVERSAL_COLUMN_GAIN * np.sqrt(states.shape[1]) * zscore(universal_z)
        return np.concatenate([(states - self.mean) / self.scale, column[:, None]], axis=1).astype(np.float32)

    def predict_from(self, states: np.ndarray, universal_z: np.ndarray) -> np.ndarray:
        """The raw prediction (smoothed, not gated) from Whisper states and the universal model's raw output."""
        return smooth(self._design(states, universal_z) @ self.weights + self.bias)

    def predict(self, audio: np.ndarray, fps: float, n_frames: int, whisper: Whisper, voiced: np.ndarray
                ) -> np.ndarray:
        """Standardised mouth opening per frame (MouthModel's contract); `voiced`: features.speaking."""
        states = _states(whisper, audio, fps, n_frames)
        return finish(self.predict_from(states, self.universal.raw(audio, fps, n_frames)), voiced)

    def save(self, path: Path) -> None:
        u = self.universal
        np.savez(path, kind=np.array(KIND), mean=self.mean, scale=self.scale, weights=self.weights,
                 bias=np.array([self.bias]), universal_weights=u.weights, universal_mean=u.mean,
                 universal_scale=u.scale, universal_bias=np.array([u.bias]),
                 universal_features=np.array(u.features))


def load(path: Path) -> PersonalModel:
    with np.load(path) as d:
        if str(d["kind"]) != KIND:
            raise ValueError(f"{path.name} is not a {KIND} model")
        universal = MouthModel(d["universal_weights"], d["universal_mean"], d["universal_scale"],
                               float(d["universal_bias"][0]), stored_features(d, "universal_features"))
        return PersonalModel(universal, d["mean"], d["scale"], d["weights"], float(d["bias"][0]))


@dataclass(frozen=True)
class Outcome:
    model: PersonalModel | None
    universal_r: float
    personal_r: float
    ridge_lambda: float
    train_frames: int
    validation_frames: int
    seconds: float
    use: bool
    reason: str

    def metrics(self) -> dict:
        return {"held_out_frames": self.validation_frames, "train_frames": self.train_frames,
                "universal": {"mouth_r": round(self.universal_r, 4)},
                "personal": {"mouth_r": round(self.personal_r, 4)},
                "ridge_lambda": self.ridge_lambda, "train_seconds": round(self.seconds, 2)}


def _noisy(audio: np.ndarray, snr_db: float, rng: np.random.RandomState) -> np.ndarray:
    power = float(np.mean(audio**2)) + 1e-12
    return (audio + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), audio.shape)).astype(np.float32)


def train(audio: np.ndarray, fps: float, opening: np.ndarray, whisper: Whisper, vad: SileroVad,
          base: MouthModel | None = None, progress: Callable[[float], None] = lambda _f: None,
          check: Callable[[], None] = lambda: None, seed: int = 0) -> Outcome:
    """Fit a personalised model on one avatar's footage: 16 kHz audio and the tracked mouth opening
    per frame (NaN where no face was found). `base`: the universal model's weights (default: the
    shipped ones)."""
    t0 = time.perf_counter()
    base = base or MouthModel.load()
    rng = np.random.RandomState(seed)
    n = min(len(opening), int(len(audio) / SAMPLE_RATE_HZ * fps))
    cut = int(round(n * (1 - VALIDATION_SHARE)))
    ok = np.isfinite(opening[:n])
    if ok.sum() < 3:
        raise ValueError("no frame of the footage has a tracked face")
    z = zscore(np.where(ok, opening[:n], np.nanmean(opening[:n]))).astype(np.float32)
    # The footage's own audio, clean and noisy; features over the whole clip, split afterwards.
    versions = [audio] + [_noisy(audio, snr, rng) for snr in NOISE_SNR_DB]
    states, universal_z = [], []
    for i, version in enumerate(versions):
        check()
        states.append(_states(whisper, version, fps, n).astype(np.float32))
        universal_z.append(base.raw(version, fps, n))
        progress(0.7 * (i + 1) / len(versions))
    train_states = np.concatenate([s[:cut] for s in states])
    mean, scale = train_states.mean(axis=0), train_states.std(axis=0) + 1e-6
    draft = PersonalModel(base, mean.astype(np.float32), scale.astype(np.float32), np.zeros(0), 0.0)
    x = np.concatenate([draft._design(s[:cut], u[:cut]) for s, u in zip(states, universal_z, strict=True)])
    keep = np.tile(ok[:cut], len(versions))
    y = np.tile(z[:cut], len(versions))
    x, y = x[keep], y[keep]
    gram, xty = x.T @ x, x.T @ (y - y.mean())
    # Both models are judged as they are used: gated by voice activity (over the whole clip, then cut).
    voiced = speaking(audio, fps, n, vad)
    val_y, val_ok = z[cut:], ok[cut:]
    universal_r = pearson(finish(universal_z[0], voiced)[cut:][val_ok], val_y[val_ok])
    best = None
    for i, lam in enumerate(RIDGE_LAMBDAS):
        check()
        weights = np.linalg.solve(gram + lam * np.eye(gram.shape[0]), xty).astype(np.float32)
        candidate = PersonalModel(base, draft.mean, draft.scale, weights, float(y.mean()))
        r = pearson(finish(candidate.predict_from(states[0], universal_z[0]), voiced)[cut:][val_ok], val_y[val_ok])
        if best is None or r > best[0]:
            best = (r, lam, candidate)
        progress(0.7 + 0.3 * (i + 1) / len(RIDGE_LAMBDAS))
    personal_r, lam, model = best
    frames_ok = int(val_ok.sum())
    where = f"on the held-out last {VALIDATION_SHARE:.0%} of the footage ({frames_ok} frames)"
    scores = f"the personalised model follows the mouth with r = {personal_r:.2f}, the universal model with " \
             f"r = {universal_r:.2f}"
    if frames_ok < MIN_VALIDATION_FRAMES:
        use, reason = False, (f"{where} {scores}, but fewer than {MIN_VALIDATION_FRAMES} frames cannot show which "
                              "is better; the universal model stays in use (film a longer avatar video)")
    elif not np.isfinite(personal_r) or personal_r < universal_r + MIN_GAIN_R:
        use, reason = False, f"{where} {scores}: not better, so the universal model stays in use"
    else:
        use, reason = True, f"{where} {scores}: the personalised model is now in use"
    return Outcome(model, universal_r, personal_r, lam, cut, n - cut, time.perf_counter() - t0, use, reason)


class PersonalLipsync(Model):
    """The registry's personalised lip-sync models: one variant per model file (a local path), with
    MouthModel's contract: predict(audio, fps, n_frames) -> standardised mouth opening per frame."""

    NAME = "lipsync.personal"

    def load(self) -> None:
        if self.env.variant is None:
            raise ValueError("a personalised lip-sync model is used with variant=<its model file>")
        self.weights = load(Path(self.env.variant))

    def unload(self) -> None:
        self.weights = None

    def predict(self, audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
        registry = self.env.registry
        with registry.use(Whisper) as whisper, registry.use(SileroVad) as vad:
            return self.weights.predict(audio, fps, n_frames, whisper, speaking(audio, fps, n_frames, vad))
