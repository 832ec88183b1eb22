"""Where text is in a picture: the PP-OCRv6 small text detector bundled in the `rapidocr` wheel
(Apache-2.0; a DB "differentiable binarisation" network), run with our own onnxruntime session.

Only the ONNX file is used; rapidocr itself is not imported (it pulls opencv-python-headless, which
would shadow MediaPipe's OpenCV build). The network gives every pixel a probability of being inside
a text line; lines are the connected regions of that map, grown back by the DB rule (the network
was trained on lines shrunk by it)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from videotwin.inference.onnx import make_session
from videotwin.inference.registry import Model

MODEL_FILE = "PP-OCRv6_det_small.onnx"
# The picture is scaled so its longer side is at most this (and each side a multiple of 32, as the
# network's strides need): captions 24 px tall at 720p are 14 px tall there, which it finds, and a
# 720p frame takes 35 ms on 2 cores (65 ms at 960 px, the same lines on c01 and c03).
MAX_SIDE_PX = 736
STRIDE_PX = 32
# The DB post-processing of PP-OCR, with its published defaults: a pixel is text above PIXEL_THRESHOLD;
# a region is a line when its mean probability is above LINE_THRESHOLD; lines are grown by
# area * UNCLIP_RATIO / perimeter on every side.
PIXEL_THRESHOLD = 0.3
LINE_THRESHOLD = 0.5
UNCLIP_RATIO = 1.6
MIN_LINE_PX = 3  # lines thinner than this (in the network's picture) are noise
# A line thicker than this share of the picture's shorter side is not one: on some frames (c04's
# first, with no text on it) the network marks half the picture, a blob as tall as the frame.
MAX_LINE_SHARE = 0.5


@dataclass(frozen=True)
class TextLine:
    """A detected text line: its box in the picture's pixels (x1, y1 exclusive) and its mean
    probability."""

    x0: int
    y0: int
    x1: int
    y1: int
    score: float


def model_path() -> Path:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the rapidocr package is not installed (make install installs it)")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / MODEL_FILE
    if not path.exists():
        raise RuntimeError(f"{path} is missing; reinstall rapidocr (make install)")
    return path


def network_size(width: int, height: int, max_side: int = MAX_SIDE_PX) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    return (max(STRIDE_PX, int(round(width * scale / STRIDE_PX)) * STRIDE_PX),
            max(STRIDE_PX, int(round(height * scale / STRIDE_PX)) * STRIDE_PX))


class TextDetector(Model):
    """predict(rgb) -> the text lines in the picture, top to bottom."""

    NAME = "text.detection"

    def load(self) -> None:
        self._session = make_session(model_path(), self.env)
        self._input = self._session.get_inputs()[0].name

    def unload(self) -> None:
        self._session = None

    def probability(self, rgb: np.ndarray) -> np.ndarray:
        """The per-pixel text probability at the network's size (see network_size)."""
        height, width = rgb.shape[:2]
        size = network_size(width, height)
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if size[0] < width else cv2.INTER_LINEAR)
        # PP-OCR was trained on BGR pictures scaled to -1..1.
        x = (small[:, :, ::-1].astype(np.float32) * (2.0 / 255.0) - 1.0).transpose(2, 0, 1)[None]
        return self._session.run(None, {self._input: np.ascontiguousarray(x)})[0][0, 0]

    def predict(self, rgb: np.ndarray) -> list[TextLine]:
        height, width = rgb.shape[:2]
        prob = self.probability(rgb)
        return lines_from_probability(prob, width / prob.shape[1], height / prob.shape[0], width, height)


def lines_from_probability(prob: np.ndarray, sx: float, sy: float, width: int, height: int) -> list[TextLine]:
    """DB post-processing with axis-aligned boxes (captions and overlays are level; a tilted sign's
    box is its bounding box)."""
    binary = (prob > PIXEL_THRESHOLD).astype(np.uint8)
    binary = cv2.dilate(binary, np.ones((2, 2), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    lines = []
    thickest = MAX_LINE_SHARE * min(prob.shape)
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        if not MIN_LINE_PX <= min(w, h) <= thickest:
            continue
        score = float(prob[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i].mean())
        if score < LINE_THRESHOLD:
            continue
        grow = area * UNCLIP_RATIO / (2.0 * (w + h))
        lines.append(TextLine(max(0, int((x - grow) * sx)), max(0, int((y - grow) * sy)),
                              min(width, int(np.ceil((x + w + grow) * sx))),
                              min(height, int(np.ceil((y + h + grow) * sy))), score))
    return sorted(lines, key=lambda line: (line.y0, line.x0))
