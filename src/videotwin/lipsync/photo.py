"""Photo avatars: a portrait made to speak by warping its face mesh.

Per frame: the jaw and lower lip move down with the target mouth opening (the upper lip a little
up), the opened mouth gets a rendered interior (dark cavity, a band of upper teeth), the eyes blink
now and then, and the head moves slightly, so the picture never looks frozen."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from videotwin.lipsync.tracking import CHIN, LEFT_EYE_OUTER, RIGHT_EYE_OUTER

LOWER_LIP_OUTER = [146, 91, 181, 84, 17, 314, 405, 321, 375]
LOWER_LIP_INNER = [95, 88, 178, 87, 14, 317, 402, 318, 324]
UPPER_LIP_INNER = [191, 80, 81, 82, 13, 312, 311, 310, 415]
JAW = [172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397]
# Eyelid contours from the outer to the inner corner (upper and lower share the corners).
UPPER_LID = {"left": [33, 246, 161, 160, 159, 158, 157, 173, 133],
             "right": [263, 466, 388, 387, 386, 385, 384, 398, 362]}
LOWER_LID = {"left": [33, 7, 163, 144, 145, 153, 154, 155, 133],
             "right": [263, 249, 390, 373, 374, 380, 381, 382, 362]}
LASH_RGB = np.array([40, 28, 26], np.float32)
LASH_WIDTH_EYES = 0.018
LASH_OPACITY = 0.7
# The opened mouth is this share of the target opening taken from the upper lip (the rest: jaw).
UPPER_LIP_SHARE = 0.15
# Displacements spread over this radius, in eye-corner distances (Gaussian weights).
SPREAD_EYES = 0.22
CAVITY_RGB = np.array([45, 14, 18], np.float32)
TEETH_RGB = np.array([205, 198, 186], np.float32)
TEETH_SHARE = 0.22  # of the opening, under the upper lip
BLINK_SECONDS = 0.18
BLINK_EVERY_SECONDS = (2.5, 5.5)
HEAD_ROLL_DEGREES = 1.2
HEAD_SCALE = 0.008
HEAD_SHIFT_EYES = 0.02
# A photo has no footage to learn its speaker's range from: the mouth-opening range of the fixture
# speakers (inner-lip gap / eye-corner distance over v01-v05: mean 0.091, sd 0.066, 95th pct 0.225).
TYPICAL_OPENING_MEAN = 0.09
TYPICAL_OPENING_SD = 0.065
MAX_OPENING = 0.25
# Standardised predictions below this are silence: lips together.
SILENCE_Z = -1.0


def target_opening(z: np.ndarray) -> np.ndarray:
    """Standardised model output (`model.finish`) -> mouth opening in eye-corner distances for a
    typical speaker."""
    opening = np.clip(TYPICAL_OPENING_MEAN + TYPICAL_OPENING_SD * z, 0.0, MAX_OPENING)
    return np.where(z < SILENCE_Z, 0.0, opening)


@dataclass(frozen=True)
class Motion:
    blink: np.ndarray  # per frame 0..1 (1 = eyes closed)
    roll: np.ndarray  # degrees
    scale: np.ndarray
    shift: np.ndarray  # frames x 2, pixels


def natural_motion(n_frames: int, fps: float, eye_px: float, seed: int = 7) -> Motion:
    rng = np.random.RandomState(seed)
    t = np.arange(n_frames) / fps
    blink = np.zeros(n_frames, np.float32)
    at = rng.uniform(0.8, 2.0)
    while at < t[-1] if n_frames else False:
        centre = at + BLINK_SECONDS / 2
        blink = np.maximum(blink, np.clip(1 - np.abs(t - centre) / (BLINK_SECONDS / 2), 0, 1))
        at += rng.uniform(*BLINK_EVERY_SECONDS)
    phase = rng.uniform(0, 2 * np.pi, 4)
    roll = HEAD_ROLL_DEGREES * np.sin(2 * np.pi * t / 4.3 + phase[0])
    scale = 1 + HEAD_SCALE * np.sin(2 * np.pi * t / 5.1 + phase[1])
    shift = HEAD_SHIFT_EYES * eye_px * np.stack([np.sin(2 * np.pi * t / 6.7 + phase[2]),
                                                 np.sin(2 * np.pi * t / 3.9 + phase[3])], axis=1)
    return Motion(blink, roll, scale, shift)


def _field(points: np.ndarray, moves: np.ndarray, sigmas: np.ndarray,
           box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Dense backward map inside `box` from sparse displacements (normalised Gaussian weights)."""
    x0, y0, x1, y1 = box
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx = np.zeros_like(xs)
    dy = np.zeros_like(ys)
    weight = np.zeros_like(xs)
    for (px, py), (mx, my), sigma in zip(points, moves, sigmas, strict=True):
        w = np.exp(-((xs - px - mx) ** 2 + (ys - py - my) ** 2) / (2 * sigma**2))
        dx += w * mx
        dy += w * my
        weight += w
    # Far from every point the weight falls to zero: no motion there (a fade, not a cut).
    norm = np.maximum(weight, 1.0)
    return xs - dx / norm, ys - dy / norm


class PhotoAnimator:
    def __init__(self, image: np.ndarray, landmarks: np.ndarray) -> None:
        self.image = image
        self.lm = landmarks[:, :2].astype(np.float32)
        self.eye = float(np.linalg.norm(self.lm[LEFT_EYE_OUTER] - self.lm[RIGHT_EYE_OUTER]))
        # The photo's own lip gap: a portrait taken mid-word starts with the mouth part open.
        self.rest = float(np.linalg.norm(self.lm[13] - self.lm[14]))
        h, w = image.shape[:2]
        pad = int(0.6 * self.eye)
        pts = self.lm
        self.box = (max(0, int(pts[:, 0].min()) - pad), max(0, int(pts[:, 1].min()) - pad),
                    min(w, int(pts[:, 0].max()) + pad), min(h, int(pts[:, 1].max()) + pad))

    def frame(self, opening: float, blink: float = 0.0, roll: float = 0.0, scale: float = 1.0,
              shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """One frame: mouth opened by `opening` eye-corner distances, eyes `blink` closed (0..1)."""
        d = max(0.0, opening) * self.eye - self.rest  # negative: close an open photo's mouth
        points, moves, sigmas = [], [], []
        wide = SPREAD_EYES * self.eye
        for idx in JAW + LOWER_LIP_OUTER + LOWER_LIP_INNER:
            points.append(self.lm[idx])
            moves.append((0.0, self._jaw_move(idx, d)))
            sigmas.append(wide)
        for idx in UPPER_LIP_INNER:
            points.append(self.lm[idx])
            moves.append((0.0, -UPPER_LIP_SHARE * d))
            sigmas.append(wide)
        x0, y0, x1, y1 = self.box
        out = self.image.copy()
        if abs(d) > 0.5:
            map_x, map_y = _field(np.array(points), np.array(moves, np.float32), np.array(sigmas), self.box)
            out[y0:y1, x0:x1] = cv2.remap(self.image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if opening * self.eye > 1.0:
            self._mouth_interior(out, d)
        if blink > 0:
            self._blink(out, blink)
        if roll or scale != 1.0 or shift != (0.0, 0.0):
            cx, cy = self.lm[:, 0].mean(), self.lm[:, 1].mean()
            m = cv2.getRotationMatrix2D((float(cx), float(cy)), roll, scale)
            m[:, 2] += shift
            out = cv2.warpAffine(out, m, (out.shape[1], out.shape[0]), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REFLECT)
        return out

    def _jaw_move(self, idx: int, d: float) -> float:
        """How far a lower-lip or jaw point moves down: fully under the chin, less towards the sides."""
        falloff = np.exp(-((self.lm[idx, 0] - self.lm[CHIN, 0]) / (0.6 * self.eye)) ** 2)
        return float((1 - UPPER_LIP_SHARE) * d * (0.6 + 0.4 * falloff))

    def _blink(self, out: np.ndarray, amount: float) -> None:
        """Draw each upper lid lowered by `amount` (1 = closed): skin sampled just above the lid, and a
        dark lash line at its edge. (A warp cannot do this: it would only stretch the eye.)"""
        for side in ("left", "right"):
            upper = self.lm[UPPER_LID[side]]
            lower = self.lm[LOWER_LID[side]]
            moved = upper + amount * (lower - upper)
            gap = float(np.mean(lower[:, 1] - upper[:, 1]))
            above = np.clip(upper - [0, 0.6 * gap], 0, [out.shape[1] - 1, out.shape[0] - 1]).astype(int)
            skin = self.image[above[:, 1], above[:, 0]].astype(np.float32).mean(axis=0)
            mask = np.zeros(out.shape[:2], np.uint8)
            cv2.fillPoly(mask, [np.concatenate([upper, moved[::-1]]).astype(np.int32)], 255)
            lash = np.zeros_like(mask)
            cv2.polylines(lash, [moved.astype(np.int32)], False, 255, max(1, int(LASH_WIDTH_EYES * self.eye)))
            soft = max(0.8, 0.012 * self.eye)
            m = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), soft)[..., None]
            lash_alpha = LASH_OPACITY * min(1.0, 2 * amount)
            lm_ = cv2.GaussianBlur(lash.astype(np.float32) / 255, (0, 0), soft)[..., None] * lash_alpha
            blended = out.astype(np.float32) * (1 - m) + skin * m
            out[:] = np.clip(blended * (1 - lm_) + LASH_RGB * lm_, 0, 255).astype(np.uint8)

    def _mouth_interior(self, out: np.ndarray, d: float) -> None:
        upper = self.lm[UPPER_LIP_INNER] + [0, -UPPER_LIP_SHARE * d]
        # Where the warp really put the lower lip (sides move less than the middle).
        lower = np.array([self.lm[i] + [0, self._jaw_move(i, d)] for i in LOWER_LIP_INNER[::-1]])
        poly = np.concatenate([upper, lower]).astype(np.int32)
        mask = np.zeros(out.shape[:2], np.uint8)
        cv2.fillPoly(mask, [poly], 255)
        teeth = np.zeros_like(mask)
        band = np.concatenate([upper, upper[::-1] + [0, TEETH_SHARE * d]]).astype(np.int32)
        cv2.fillPoly(teeth, [band], 255)
        teeth &= mask
        soft = max(1.0, 0.02 * self.eye)
        m = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), soft)[..., None]
        t = cv2.GaussianBlur(teeth.astype(np.float32) / 255, (0, 0), soft)[..., None]
        colour = CAVITY_RGB * (1 - t) + TEETH_RGB * t
        out[:] = np.clip(out.astype(np.float32) * (1 - m) + colour * m, 0, 255).astype(np.uint8)
