"""A Piper (VITS) voice run directly with onnxruntime; espeak-ng (a separate program) supplies the
IPA phonemes. The piper-tts package itself is GPL and is not used."""

from __future__ import annotations

import json
import threading
import zlib
from pathlib import Path

import numpy as np
import onnxruntime as ort

from videotwin.inference import espeak
from videotwin.inference.onnx import make_session

PAD, BOS, EOS = "_", "^", "$"


class PiperVoice:
    def __init__(self, model: Path, config: Path) -> None:
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
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()

    @property
    def session(self):
        with self._lock:
            if self._session is None:
                self._session = make_session(self._model)
        return self._session

    def phoneme_ids(self, phonemes: str) -> list[int]:
        """Piper's layout: BOS, then each phoneme followed by PAD, then EOS. Unknown symbols are dropped."""
        ids = list(self.id_map[BOS]) + list(self.id_map[PAD])
        for ch in phonemes:
            if ch in self.id_map:
                ids += self.id_map[ch] + self.id_map[PAD]
        return ids + list(self.id_map[EOS])

    def phonemize(self, clause: str, terminator: str) -> str:
        """Phonemes for one clause, ended with its punctuation (it shapes the intonation)."""
        parts = espeak.phonemize(clause, self.espeak_voice)
        return " ".join(parts) + (terminator if terminator in self.id_map else "")

    def synthesize_phonemes(self, phonemes: str, rate: float = 1.0) -> np.ndarray:
        ids = self.phoneme_ids(phonemes)
        scales = np.array([self.noise_scale, self.length_scale / rate, self.noise_w], dtype=np.float32)
        session = self.session
        # VITS samples noise; seeding it from the phonemes makes the same text always sound the same
        # (reproducible output, cacheable, testable). The seed is process-global, hence the lock.
        with self._run_lock:
            ort.set_seed(zlib.crc32(phonemes.encode()) & 0x7FFFFFFF)
            audio = session.run(None, {
                "input": np.array([ids], dtype=np.int64),
                "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": scales,
            })[0]
        return np.asarray(audio, dtype=np.float32).reshape(-1)
