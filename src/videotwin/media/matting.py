"""Cut the person out of each frame (an alpha matte) and put them on another background.

A person segmentation model (MediaPipe's selfie segmentation, inference/segmentation.py) gives a
coarse person mask at 256 px; a guided filter with the frame as guide moves its edge onto the real edge
(hair, shoulders); a motion-aware running average keeps the edge from flickering between frames
where nothing moved, while following at once where something did. bench/matting.py measures it on
the green-screen fixtures against a chroma-key ground truth."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

# The segmentation model runs on a frame scaled to this many pixels on its longer side.
SEGMENT_SIDE_PX = 256
# The edge is refined at this size (longer side); the matte is then scaled up to the frame.
REFINE_SIDE_PX = 640
# Guided filter: window radius as a share of the refine size, and regularisation (in (0..1)^2 units):
# larger eps keeps the coarse mask, smaller follows image edges more closely.
GUIDE_RADIUS_SHARE = 0.012
GUIDE_EPS = 1e-3
# Running average over time: weight of the new matte where the picture is still, and the grey-level
# change (0..255) from which a pixel counts as moving (then the new matte is taken as it is).
STILL_WEIGHT = 0.45
MOTION_GREY_LEVELS = 10.0
# Compositing: the share of the matte's range cut from its low end (pulls the edge inwards), and
# colour decontamination of the rim (see over).
EDGE_ERODE = 0.12
RIM_LOW = 0.6
DECONTAMINATE_SCALE = 4
DECONTAMINATE_SIGMA_SHARE = 0.01
# Mattes are pushed away from 0.5 with this gain, so the person is solid and the background clean.
CONTRAST_GAIN = 1.6


def _scaled(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    s = side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


class Matter:
    """Alpha mattes for consecutive frames of one video (keeps state for temporal smoothing).

    `segment(rgb) -> mask` is the person segmentation model (inference/segmentation.py), applied to
    the frame scaled to SEGMENT_SIDE_PX."""

    def __init__(self, segment: Callable[[np.ndarray], np.ndarray]) -> None:
        self._segment = segment
        self._prev_alpha: np.ndarray | None = None
        self._prev_grey: np.ndarray | None = None

    def alpha(self, rgb: np.ndarray) -> np.ndarray:
        """Float32 matte in 0..1 at the frame's size (1 = person)."""
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, _scaled((w, h), SEGMENT_SIDE_PX), interpolation=cv2.INTER_AREA)
        coarse = self._segment(small)
        rw, rh = _scaled((w, h), REFINE_SIDE_PX)
        # A grey guide: a third of the colour guide's work, and hair edges are edges in brightness too.
        grey8 = cv2.cvtColor(cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        mask = cv2.resize(coarse.astype(np.float32), (rw, rh), interpolation=cv2.INTER_LINEAR)
        radius = max(2, round(GUIDE_RADIUS_SHARE * max(rw, rh)))
        refined = cv2.ximgproc.guidedFilter(grey8, mask, radius, GUIDE_EPS * 255 * 255)
        refined = np.clip((refined - 0.5) * CONTRAST_GAIN + 0.5, 0.0, 1.0)
        grey = grey8.astype(np.float32)
        if self._prev_alpha is not None and self._prev_alpha.shape == refined.shape:
            moving = np.clip(np.abs(grey - self._prev_grey) / MOTION_GREY_LEVELS, 0.0, 1.0)
            weight = STILL_WEIGHT + (1.0 - STILL_WEIGHT) * cv2.GaussianBlur(moving, (0, 0), 2)
            refined = weight * refined + (1.0 - weight) * self._prev_alpha
        self._prev_alpha, self._prev_grey = refined, grey
        return cv2.resize(refined, (w, h), interpolation=cv2.INTER_LINEAR)


def over(person: np.ndarray, alpha: np.ndarray, background: np.ndarray, erode: float = EDGE_ERODE) -> np.ndarray:
    """person (H x W x 3) over background (same size) with alpha (H x W, 0..1).

    Edge pixels are a mix of the person and the old background: a bright wall leaves a bright rim
    around the hair and shoulders on the new background. So the matte is pulled in a little (`erode`
    of its 0..1 range) and, where it is partial, the person's colour is replaced by their own colour
    from just inside the edge (an alpha-weighted blur, computed at quarter size: it is smooth anyway)."""
    a = np.clip((np.asarray(alpha, np.float32) - erode) / (1.0 - erode), 0.0, 1.0)
    h, w = a.shape
    small = (max(1, w // DECONTAMINATE_SCALE), max(1, h // DECONTAMINATE_SCALE))
    a_small = cv2.resize(a, small, interpolation=cv2.INTER_AREA)
    weight = a_small ** 4  # the solid inside speaks, the mixed rim barely does
    p_small = cv2.resize(person, small, interpolation=cv2.INTER_AREA).astype(np.float32)
    sigma = DECONTAMINATE_SIGMA_SHARE * max(small)
    num = cv2.GaussianBlur(p_small * weight[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)[..., None]
    inner = np.clip(num / np.maximum(den, 1e-4), 0, 255).astype(np.uint8)
    inner = cv2.resize(inner, (w, h), interpolation=cv2.INTER_LINEAR)
    # Solid person: their own pixels; the rim: the inner colour, more of it the more transparent.
    keep = np.clip((a - RIM_LOW) / (1.0 - RIM_LOW), 0.0, 1.0)
    fg = cv2.blendLinear(person, inner, keep, 1.0 - keep)
    return cv2.blendLinear(fg, background, a, 1.0 - a)


def cover(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale and centre-crop `image` to fill `size` (width, height) exactly, as CSS background-size: cover."""
    w, h = size
    ih, iw = image.shape[:2]
    s = max(w / iw, h / ih)
    nw, nh = max(w, round(iw * s)), max(h, round(ih * s))
    scaled = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    x0, y0 = (nw - w) // 2, (nh - h) // 2
    return np.ascontiguousarray(scaled[y0:y0 + h, x0:x0 + w])
