"""Voice activity: Silero VAD v6 (MIT), the ONNX model bundled with faster-whisper (no download)."""

from __future__ import annotations

import os

import numpy as np

from videotwin.inference.registry import Model

SAMPLE_RATE_HZ = 16_000
# The model scores every 512 samples (32 ms at 16 kHz).
CHUNK_SAMPLES = 512


class SileroVad(Model):
    """predict(audio) -> speech probability per CHUNK_SAMPLES of 16 kHz mono audio."""

    NAME = "vad"

    def load(self) -> None:
        from faster_whisper.utils import get_assets_path
        from faster_whisper.vad import SileroVADModel

        # Our own instance (faster-whisper's get_vad_model() caches one for the process, which could
        # never be unloaded).
        self._model = SileroVADModel(os.path.join(get_assets_path(), "silero_vad_v6.onnx"))

    def unload(self) -> None:
        self._model = None

    def predict(self, audio: np.ndarray) -> np.ndarray:
        pad = (-len(audio)) % CHUNK_SAMPLES
        chunks = np.pad(np.asarray(audio, np.float32), (0, pad + (CHUNK_SAMPLES if not len(audio) else 0)))
        return self._model(chunks, num_samples=CHUNK_SAMPLES).reshape(-1)
