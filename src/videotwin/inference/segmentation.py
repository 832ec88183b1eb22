"""Person segmentation: MediaPipe's selfie segmentation (bundled with the mediapipe wheel, no download)."""

from __future__ import annotations

import threading

import numpy as np

from videotwin.inference.registry import Model


class SelfieSegmenter(Model):
    """predict(rgb) -> float32 mask in 0..1 at the image's size (1 = person). The general model
    (256x256 input): better than the landscape one for portrait and square frames."""

    NAME = "segmentation"

    def load(self) -> None:
        from mediapipe.python.solutions.selfie_segmentation import SelfieSegmentation

        self._segmenter = SelfieSegmentation(model_selection=0)
        self._lock = threading.Lock()  # one graph: one image at a time

    def unload(self) -> None:
        self._segmenter.close()
        self._segmenter = None

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        with self._lock:
            mask = self._segmenter.process(rgb).segmentation_mask
        return np.zeros(rgb.shape[:2], np.float32) if mask is None else mask.astype(np.float32)
