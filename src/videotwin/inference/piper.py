"""A Piper (VITS) voice run directly with onnxruntime; espeak-ng (a separate program) supplies the
IPA phonemes. The piper-tts package itself is GPL and is not used."""

from __future__ import annotations

import json
import threading
import zlib
from pathlib import Path

import numpy as np

from videotwin.inference.onnx import make_session
from videotwin.inference.registry import Model, ModelEnv

PAD, BOS, EOS = "_", "^", "$"


class PiperVoice(Model):
    """predict(phonemes, rate) -> mono float32 samples at `sample_rate`."""

    NAME = "piper"

    def __init__(self, env: ModelEnv, model: Path, config: Path) -> None:
        super().__init__(env)
        cfg = json.loads(config.read_text())
        self.sample_rate: int = cfg["audio"]["sample_rate"]
        self.espeak_voice: str = cfg["espeak"]["voice"]
        self.id_map: dict[str, list[int]] = cfg["phoneme_id_map"]
        inf = cfg.get("inference", {})
        self.noise_scale = float(inf.get("noise_scale", 0.667))
        self.length_scale = float(inf.get("length_scale", 1.0))
        self.noise_w = float(inf.get("noise_w", 0.8))
        self._model = model
        self._session = None
        self._run_lock = threading.Lock()

    def load(self) -> None:
        self._session = make_session(self._model, self.env)

    def unload(self) -> None:
        self._session = None

    def phoneme_ids(self, phonemes: str) -> list[int]:
        """Piper's layout: BOS, then each phoneme followed by PAD, then EOS. Unknown symbols are dropped."""
        ids = list(self.id_map[BOS]) + list(self.id_map[PAD])
        for ch in phonemes:
            if ch in self.id_map:
                ids += self.id_map[ch] + self.id_map[PAD]
        return ids + list(self.id_map[EOS])

    def predict(self, phonemes: str, rate: float = 1.0) -> np.ndarray:
        import onnxruntime as ort

        ids = self.phoneme_ids(phonemes)
        scales = np.array([self.noise_scale, self.length_scale / rate, self.noise_w], dtype=np.float32)
        # VITS samples noise; seeding it from the phonemes makes the same text always sound the same
        # (reproducible output, cacheable, testable). The seed is process-global, hence the lock.
        with self._run_lock:
            ort.set_seed(zlib.crc32(phonemes.encode()) & 0x7FFFFFFF)
            audio = self._session.run(None, {
                "input": np.array([ids], dtype=np.int64),
                "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": scales,
            })[0]
        return np.asarray(audio, dtype=np.float32).reshape(-1)
