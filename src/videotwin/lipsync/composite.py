"""Put the lower face of one frame (a real mouth from the avatar's own footage) into another frame of
the same person: align on stable landmarks, match colour, blend with a feathered mask.

The mouth and teeth stay the person's own pixels at full resolution (no 96-256 px generated mouths)."""

from __future__ import annotations

import cv2
import numpy as np

from videotwin.lipsync.tracking import LEFT_EYE_OUTER, RIGHT_EYE_OUTER

# Landmarks that barely move when the mouth does: eye corners and the nose bridge.
STABLE = [33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 98, 327]
# The lower face: the jaw line under the mouth (not out to the ears: cheeks show a head turn that a
# 2-D alignment cannot undo), closed across just below the nose.
LOWER_FACE = [132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361,
              426, 436, 410, 322, 391, 393, 164, 167, 165, 92, 186, 216, 206]
# Feather width as a share of the eye-corner distance.
FEATHER_SHARE = 0.12
# Colour is matched in LAB over the masked region, moved at most this far per channel (LAB units).
MAX_COLOUR_SHIFT = 25.0
# Contrast (LAB standard deviation) is scaled by at most this much either way.
MIN_CONTRAST_GAIN, MAX_CONTRAST_GAIN = 0.8, 1.25
# Colour statistics are taken on every this-many-th pixel in each direction.
STATS_STEP = 4


def similarity(src_landmarks: np.ndarray, dst_landmarks: np.ndarray) -> np.ndarray:
    """2x3 similarity transform (rotation, uniform scale, shift) mapping src onto dst, fitted on STABLE."""
    m, _ = cv2.estimateAffinePartial2D(src_landmarks[STABLE, :2].astype(np.float32),
                                       dst_landmarks[STABLE, :2].astype(np.float32), method=cv2.LMEDS)
    if m is None:
        raise ValueError("could not align the two faces")
    return m


def lower_face_mask(points: np.ndarray, shape: tuple[int, int], feather_px: float) -> np.ndarray:
    """Float mask in [0, 1]: the hull of `points`, eroded then blurred so it fades out inside the hull."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(points.astype(np.int32)), 255)
    k = max(1, int(feather_px))
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    sigma = max(feather_px / 2.0, 0.5)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), sigma)


def match_colour(src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Shift src's LAB mean/std towards dst's within the weighted region.

    The statistics come from every STATS_STEP-th pixel in each direction: the same answer to a
    fraction of a LAB unit, at a sixteenth of the work."""
    step = STATS_STEP
    w = weight[::step, ::step, None]
    total = max(float(w.sum()), 1e-6)
    src_lab = cv2.cvtColor(src, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst_lab = cv2.cvtColor(np.ascontiguousarray(dst[::step, ::step]), cv2.COLOR_RGB2LAB).astype(np.float32)
    src_small = src_lab[::step, ::step]
    mean_s = (src_small * w).sum((0, 1)) / total
    mean_d = (dst_lab * w).sum((0, 1)) / total
    std_s = np.sqrt(((src_small - mean_s) ** 2 * w).sum((0, 1)) / total) + 1e-3
    std_d = np.sqrt(((dst_lab - mean_d) ** 2 * w).sum((0, 1)) / total) + 1e-3
    gain = np.clip(std_d / std_s, MIN_CONTRAST_GAIN, MAX_CONTRAST_GAIN)
    # Contrast is scaled about the source's own mean, then the mean moved: scaling about zero (LAB's
    # a and b sit near 128) and clamping the combined offset tinted whole lower faces red.
    shift = np.clip(mean_d - mean_s, -MAX_COLOUR_SHIFT, MAX_COLOUR_SHIFT)
    out = np.clip((src_lab - mean_s) * gain + mean_s + shift, 0, 255).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_LAB2RGB)


def _edge_ramp(shape: tuple[int, int], width_px: float) -> np.ndarray:
    """0 at a crop's border rising to 1 at width_px inside it."""
    h, w = shape
    ys = np.minimum(np.arange(h), np.arange(h)[::-1]).astype(np.float32)
    xs = np.minimum(np.arange(w), np.arange(w)[::-1]).astype(np.float32)
    return np.clip(np.minimum(ys[:, None], xs[None, :]) / max(width_px, 1.0), 0.0, 1.0)


def composite(base: np.ndarray, base_landmarks: np.ndarray, source: np.ndarray,
              source_landmarks: np.ndarray) -> np.ndarray:
    """`base` with its lower face replaced by `source`'s, aligned, colour-matched and feathered.

    Only the box around the lower face is processed (a face is a small part of a 1080p frame)."""
    h, w = base.shape[:2]
    m = similarity(source_landmarks, base_landmarks)
    src_pts = source_landmarks[LOWER_FACE, :2] @ m[:, :2].T + m[:, 2]
    # Both lower faces: an open jaw in the source reaches further down than the base's chin.
    region = np.concatenate([base_landmarks[LOWER_FACE, :2], src_pts])
    eye = float(np.linalg.norm(base_landmarks[LEFT_EYE_OUTER, :2] - base_landmarks[RIGHT_EYE_OUTER, :2]))
    feather = FEATHER_SHARE * eye
    margin = int(2 * feather) + 2
    x0, y0 = np.maximum(np.floor(region.min(axis=0)).astype(int) - margin, 0)
    x1, y1 = np.minimum(np.ceil(region.max(axis=0)).astype(int) + margin, [w, h])
    if x1 <= x0 or y1 <= y0:
        return base.copy()
    shift = np.array([[0, 0, -x0], [0, 0, -y0]], np.float64)
    warped = cv2.warpAffine(source, m + shift, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)
    roi = base[y0:y1, x0:x1]
    mask = lower_face_mask(region - [x0, y0], roi.shape[:2], feather)
    # Only where the source really has pixels (a crop's reflected border is not a face): a ramp from
    # the crop's edges inwards, warped like the crop (the same as eroding and feathering its coverage).
    scale = max(float(np.hypot(m[0, 0], m[1, 0])), 1e-6)
    covered = cv2.warpAffine(_edge_ramp(source.shape[:2], 2 * feather / scale), m + shift, (x1 - x0, y1 - y0),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    mask = mask * covered
    warped = match_colour(warped, roi, mask)
    blended = roi.astype(np.float32) * (1 - mask[..., None]) + warped.astype(np.float32) * mask[..., None]
    out = base.copy()
    out[y0:y1, x0:x1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    return out
