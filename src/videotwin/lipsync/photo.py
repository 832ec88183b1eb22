"""Photo avatars: a portrait made to speak by warping its face mesh.

Per frame: the lower face is a triangle mesh on the tracked landmarks; the jaw, chin and lower lip
move down with the target mouth opening (the upper lip a little up, the cheeks partly, the nose and
everything above not at all), and each triangle is warped from the photo by its own affine map, so
both lips keep their shape and texture. The opening between the lips is drawn: a cavity in the
lips' hue, darker with depth; upper teeth in the face's own light (or the photo's own teeth, if it
shows them); the tongue when the mouth opens wide. The eyes blink now and then and the head moves
slightly, so the picture never looks frozen."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from videotwin.lipsync.tracking import CHIN, LEFT_EYE_OUTER, RIGHT_EYE_OUTER

UPPER_LIP_INNER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308]
LOWER_LIP_INNER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308]
UPPER_LIP_OUTER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291]
LOWER_LIP_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291]
INNER_LIPS = set(UPPER_LIP_INNER + LOWER_LIP_INNER)
JAW = [172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397]
# Points that never move with the mouth: the nose, the cheekbones, the face's outline beside the eyes.
STILL = [1, 2, 98, 327, 4, 5, 195, 234, 454, 93, 323, 132, 361, 116, 345]
MOUTH_CORNERS = [61, 291, 78, 308]
NOSE_BRIDGE = 6
# Eyelid contours from the outer to the inner corner (upper and lower share the corners).
UPPER_LID = {"left": [33, 246, 161, 160, 159, 158, 157, 173, 133],
             "right": [263, 466, 388, 387, 386, 385, 384, 398, 362]}
LOWER_LID = {"left": [33, 7, 163, 144, 145, 153, 154, 155, 133],
             "right": [263, 249, 390, 373, 374, 380, 381, 382, 362]}
LASH_RGB = np.array([40, 28, 26], np.float32)
LASH_WIDTH_EYES = 0.018
LASH_OPACITY = 0.7
# The opened mouth is this share of the target opening taken from the upper lip (the rest: jaw);
# the corners drop by this share of it.
UPPER_LIP_SHARE = 0.15
CORNER_SHARE = 0.3
# The jaw's angles drop this share of what the chin does; the share falls off over this distance
# from the chin (eye-corner distances).
JAW_ANGLE_SHARE = 0.15
JAW_FALLOFF_EYES = 0.55
# To triangulate the mesh, a first guess of how the points between the lips and the still upper face
# move: Gaussian weights of this radius (eye-corner distances). The mesh reaches this far around the
# landmarks.
SPREAD_EYES = 0.22
MESH_MARGIN_EYES = 0.6
# Points per side of the still frame round the mesh; rows of free points outside the face's outline
# below the eyes, at these distances from it (eye-corner distances).
RING_POINTS = 11
OUTLINE_BELOW_EYES = [93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323]
SKIRT_EYES = (0.2, 0.45)
SKIRT_INSET_EYES = 0.08
# The mesh is triangulated with the mouth this wide open (eye-corner distances), so that no
# triangle joins a lip to the other side of the mouth.
TRIANGULATE_OPEN_EYES = 0.35
# The mouth interior, as shares of the lips' own colour (dark, lip-tinted) near the lips and deep in.
CAVITY_NEAR_LIPS = 0.32
CAVITY_DEEP = 0.1
TONGUE_SHARE = 0.62  # of the lip colour
# Teeth are this bright against the skin beside the mouth (they sit in the mouth's shade), and keep
# this share of the skin's hue (the colour of the light; white teeth under warm light look warm).
TEETH_LIGHT = 1.05
TEETH_TINT = 0.6
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)
UPPER_TEETH_EYES = 0.075  # visible height of the upper incisors, eye-corner distances
# Upper front teeth from the centre outwards (central incisor, lateral incisor, canine): widths in
# eye-corner distances (about 8.5, 6.5 and 7.5 mm against 90 mm between the eye corners) and lengths
# as shares of the visible height; the dark line between two teeth.
TOOTH_WIDTHS_EYES = (0.094, 0.072, 0.083)
TOOTH_LENGTHS = (1.0, 0.86, 0.9)
TOOTH_GAP_EYES = 0.003
TOOTH_GAP_DARKEN = 0.15
TONGUE_FROM_EYES = 0.12  # the tongue shows above this opening
# A photo's open mouth closes by at most this much (eye-corner distances).
MAX_CLOSE_EYES = 0.04
# The photo's own lip gap is filled this far beyond its inner lip landmarks (eye-corner distances).
GAP_FILL_EYES = 0.015
# The warp's field is smoothed over this radius (eye-corner distances), fully from this far outside
# the lips.
SMOOTH_FIELD_EYES = 0.05
SMOOTH_FROM_LIPS_EYES = 0.12
# Halvings in the search for the largest mouth move that folds no mesh triangle.
FOLD_SEARCH_STEPS = 6
# A triangle turned over by less than this area (squared eye-corner distances) is a sliver, not a fold.
FOLD_AREA_EYES2 = 3e-3
# A photo whose lips are this far apart (eye-corner distances) shows its own mouth interior.
OWN_INTERIOR_EYES = 0.06
# A photo avatar's videos (preview and generated) run at this frame rate.
PHOTO_FPS = 25.0
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


class PhotoAnimator:
    def __init__(self, image: np.ndarray, landmarks: np.ndarray) -> None:
        self.image = image
        self.lm = landmarks[:, :2].astype(np.float32)
        self.eye = float(np.linalg.norm(self.lm[LEFT_EYE_OUTER] - self.lm[RIGHT_EYE_OUTER]))
        # The photo's own lip gap: a portrait taken mid-word starts with the mouth part open.
        self.rest = float(np.linalg.norm(self.lm[13] - self.lm[14]))
        h, w = image.shape[:2]
        pad = int(MESH_MARGIN_EYES * self.eye)
        # The mesh covers the face below the nose bridge (nothing above it moves: the eyes stay exactly
        # as they are) and a margin round the rest.
        top = int(self.lm[NOSE_BRIDGE, 1])
        pts = self.lm[self.lm[:, 1] > top + 1]
        self.box = (max(0, int(pts[:, 0].min()) - pad), max(0, top),
                    min(w, int(pts[:, 0].max()) + pad), min(h, int(pts[:, 1].max()) + pad))
        self._build_mesh()
        self._sample_colours()

    # --- the mesh -------------------------------------------------------------------------------
    def _build_mesh(self) -> None:
        """Vertices: the landmarks below the nose bridge plus a still frame around them; per vertex, how
        far it moves per pixel of extra opening; triangles that never bridge the lips."""
        from scipy.spatial import Delaunay

        lm = self.lm
        x0, y0, x1, y1 = self.box
        below = np.flatnonzero(lm[:, 1] > y0 + 1)
        below = below[below < 468]  # not the irises
        ring = [(x, y) for x in np.linspace(x0, x1 - 1, RING_POINTS) for y in (y0, y1 - 1)]
        ring += [(x, y) for y in np.linspace(y0, y1 - 1, RING_POINTS)[1:-1] for x in (x0, x1 - 1)]
        self.ids = below
        self.vertex_of = {int(i): k for k, i in enumerate(below)}
        rough = self._vertex_motion(below, *self._opening_controls())
        # Between the jaw line and the still frame: rows of points outside the face's outline, so the
        # neck and the cheeks' edges bend smoothly (long thin triangles from the chin to the frame
        # showed as wedges).
        centre = lm[below].mean(axis=0)
        skirt, skirt_rough = [], []
        for i in OUTLINE_BELOW_EYES:
            out = (lm[i] - centre) / max(float(np.linalg.norm(lm[i] - centre)), 1e-6)
            for offset in SKIRT_EYES:
                point = lm[i] + offset * self.eye * out
                inset = SKIRT_INSET_EYES * self.eye  # none on or near the frame (a photo cut off at the chin)
                if x0 + inset <= point[0] <= x1 - 1 - inset and y0 + inset <= point[1] <= y1 - 1 - inset:
                    skirt.append(point)
                    skirt_rough.append(rough[self.vertex_of[i]] * max(0.0, 1 - offset / MESH_MARGIN_EYES))
        skirt_pts = np.array(skirt, np.float32).reshape(-1, 2)
        self.verts = np.concatenate([lm[below], skirt_pts, np.array(ring, np.float32)])
        rough = np.concatenate([rough, np.array(skirt_rough, np.float32).reshape(-1, 2),
                                np.zeros((len(ring), 2), np.float32)])
        opened = self.verts + TRIANGULATE_OPEN_EYES * self.eye * rough
        # Triangles across the mouth stay in the mesh (closing an open photo's mouth squeezes its
        # interior away; opening stretches the lip line, which the drawn interior then covers).
        self.tris = Delaunay(opened).simplices
        # On that mesh, the points between the set ones move as the average of their neighbours (a
        # harmonic field): smooth, so neighbouring triangles do not turn over each other.
        self.motion = self._harmonic(self._opening_controls(), len(ring))
        self.closing = self._harmonic(self._closing_controls(), len(ring))
        # Each triangle's orientation where the mesh was built (a fold turns it over). Triangles in the
        # mouth's gap may close to nothing (lips pressed together): that is not a fold.
        a, b, c = (opened[self.tris[:, k]] for k in range(3))
        self.orientation = np.sign(np.cross(b - a, c - a))
        inner = np.array([int(i) in INNER_LIPS for i in below] + [False] * (len(skirt) + len(ring)))
        self.orientation[inner[self.tris].sum(axis=1) >= 2] = 0.0
        self.fold_area = FOLD_AREA_EYES2 * self.eye**2
        # Some are already turned over a little in the photo itself (squeezed at the mouth's corners):
        # only what the move adds counts.
        a, b, c = (self.verts[self.tris[:, k]] for k in range(3))
        self.rest_fold = np.minimum(np.cross(b - a, c - a) * self.orientation, 0.0)

    def _opening_controls(self) -> tuple[dict, dict]:
        """(below the mouth, above it): landmark -> its (dx, dy) per pixel of extra opening. The jaw
        turns about the ears: the chin and the lower lip's middle drop most, the jaw's angles least."""
        lower = {i: (0.0, self._jaw_share(i)) for i in LOWER_LIP_INNER + LOWER_LIP_OUTER + JAW}
        upper = {i: (0.0, -UPPER_LIP_SHARE) for i in UPPER_LIP_INNER + UPPER_LIP_OUTER}
        for i in MOUTH_CORNERS:
            lower[i] = upper[i] = (0.0, CORNER_SHARE)
        return lower, upper

    def _closing_controls(self) -> tuple[dict, dict]:
        """Per pixel of closing an open photo's mouth: each point of the lower lip rises to meet its
        partner on the upper lip (the upper lip comes down a little), so the lips close by the gap that
        is really there at each point, to nothing at the corners; the jaw rises with the lower lip."""
        lm = self.lm
        pairs = list(zip(UPPER_LIP_INNER, LOWER_LIP_INNER, strict=True))
        between = {u: (lm[lo] - lm[u]) / max(self.rest, 1e-6) for u, lo in pairs}
        xs = np.array([lm[u, 0] for u, _ in pairs])
        order = np.argsort(xs)
        gap_y = np.array([between[u][1] for u, _ in pairs])

        def gap_at(i: int) -> float:
            return float(np.interp(lm[i, 0], xs[order], gap_y[order]))

        lower = {lo: tuple(-(1 - UPPER_LIP_SHARE) * between[u]) for u, lo in pairs}
        upper = {u: tuple(UPPER_LIP_SHARE * between[u]) for u, _ in pairs}
        for i in LOWER_LIP_OUTER:
            lower.setdefault(i, (0.0, -(1 - UPPER_LIP_SHARE) * gap_at(i)))
        for i in UPPER_LIP_OUTER:
            upper.setdefault(i, (0.0, UPPER_LIP_SHARE * gap_at(i)))
        for i in JAW:
            lower[i] = (0.0, -self._jaw_share(i))
        for i in MOUTH_CORNERS:
            lower[i] = upper[i] = (0.0, 0.0)
        return lower, upper

    def _vertex_motion(self, ids: np.ndarray, lower: dict, upper: dict) -> np.ndarray:
        """Per landmark, a first guess (the mesh is triangulated on it; `_harmonic` then gives the moves
        used): its (dx, dy) per pixel of mouth move. The controls are set; the points between them and
        the still upper face follow with Gaussian weights, from the controls on their own side of the
        mouth only (so neither lip drags the other along)."""
        lm = self.lm
        still = STILL
        mouth_y = float(np.mean(lm[[13, 14, 78, 308], 1]))
        sigma = SPREAD_EYES * self.eye
        out = np.zeros((len(ids), 2), np.float32)
        for k, i in enumerate(ids):
            if i in lower or i in upper:
                out[k] = lower.get(i, upper.get(i))
                continue
            controls = lower if lm[i, 1] > mouth_y else upper
            src = list(controls) + still
            values = np.array([controls[j] for j in controls] + [(0.0, 0.0)] * len(still), np.float32)
            d2 = np.sum((lm[src] - lm[i]) ** 2, axis=1)
            weights = np.exp(-d2 / (2 * sigma**2)) + 1e-12
            # Normalised over the controls and the anchors, and fading out far from all of them.
            reach = min(1.0, float(np.exp(-d2.min() / (2 * (2 * sigma) ** 2))) * 1.5)
            out[k] = reach * (weights @ values) / weights.sum()
        return out

    def _harmonic(self, controls: tuple[dict, dict], ring: int) -> np.ndarray:
        """Per vertex (dx, dy): the controls' values where set, zero on the still anchors and the frame,
        the mean of the neighbours' everywhere else (solved exactly: a few hundred unknowns)."""
        lower, upper = controls
        n = len(self.verts)
        fixed = np.zeros(n, bool)
        values = np.zeros((n, 2), np.float64)
        for i, k in self.vertex_of.items():
            if i in lower or i in upper:
                fixed[k], values[k] = True, lower.get(i, upper.get(i))
            elif i in STILL:
                fixed[k] = True
        fixed[n - ring:] = True
        adjacency = np.zeros((n, n))
        for a, b in ((0, 1), (1, 2), (2, 0)):
            adjacency[self.tris[:, a], self.tris[:, b]] = adjacency[self.tris[:, b], self.tris[:, a]] = 1
        laplacian = np.diag(adjacency.sum(axis=1)) - adjacency
        free = ~fixed
        if free.any():
            rhs = -laplacian[np.ix_(free, fixed)] @ values[fixed]
            values[free] = np.linalg.lstsq(laplacian[np.ix_(free, free)], rhs, rcond=None)[0]
        return values.astype(np.float32)

    def _jaw_share(self, idx: int) -> float:
        """How far a lower-lip or jaw point moves down per pixel of opening: fully under the chin, little
        at the jaw's angles (the jaw turns about the ears)."""
        falloff = np.exp(-((self.lm[idx, 0] - self.lm[CHIN, 0]) / (JAW_FALLOFF_EYES * self.eye)) ** 2)
        return float((1 - UPPER_LIP_SHARE) * (JAW_ANGLE_SHARE + (1 - JAW_ANGLE_SHARE) * falloff))

    def _moved(self, d: float) -> np.ndarray:
        """The mesh's vertices for `d` pixels of extra opening (negative: closing an open mouth)."""
        return self.verts + (d * self.motion if d >= 0 else -d * self.closing)

    def _folds(self, moved: np.ndarray) -> bool:
        """Would any triangle turn over visibly (a move so large that the mesh folds onto itself)?
        Slivers at the mouth's corners, flat where the lips meet, may flip unseen."""
        a, b, c = (moved[self.tris[:, k]] for k in range(3))
        area = np.cross(b - a, c - a)
        return bool(np.any(area * self.orientation < self.rest_fold - self.fold_area))

    def _within_mesh(self, d: float) -> float:
        """`d`, or the largest move towards it that folds no triangle: a photo with a wide-open mouth
        closes only as far as its face can be bent without tearing."""
        if not self._folds(self._moved(d)):
            return d
        lo, hi = 0.0, 1.0
        for _ in range(FOLD_SEARCH_STEPS):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if not self._folds(self._moved(mid * d)) else (lo, mid)
        return lo * d

    def _warp(self, d: float) -> tuple[np.ndarray, np.ndarray]:
        """The photo with the mesh moved for `d` pixels of extra opening, and the moved vertices."""
        x0, y0, x1, y1 = self.box
        moved = self._moved(d)
        local_dst = moved - [x0, y0]
        index = np.zeros((y1 - y0, x1 - x0), np.int32)
        affines = np.zeros((len(self.tris) + 1, 2, 3), np.float32)
        affines[0] = [[1, 0, x0], [0, 1, y0]]  # outside the mesh: the pixel stays where it is
        a, b, c = (local_dst[self.tris[:, k]] for k in range(3))
        flat = np.abs(np.cross(b - a, c - a)) < 1e-3  # squeezed flat (lips pressed together)
        for t, tri in enumerate(self.tris, start=1):
            if flat[t - 1]:
                continue  # its neighbours cover it
            dst = local_dst[tri].astype(np.float32)
            affines[t] = cv2.getAffineTransform(dst, self.verts[tri].astype(np.float32))
            cv2.fillConvexPoly(index, np.round(dst * 16).astype(np.int32), t, lineType=cv2.LINE_8, shift=4)
        # A pixel that no triangle's raster reached but lies inside the mesh (along a squeezed seam)
        # takes a neighbouring triangle's map, not the unmoved photo's pixel.
        hull = np.zeros_like(index, np.uint8)
        cv2.fillConvexPoly(hull, cv2.convexHull(np.round(local_dst).astype(np.int32)), 1)
        holes = (index == 0) & (hull > 0)
        if holes.any():
            grown = cv2.dilate(index.astype(np.float32), np.ones((3, 3), np.uint8), iterations=2).astype(np.int32)
            index = np.where(holes, grown, index)
        ys, xs = np.mgrid[0:y1 - y0, 0:x1 - x0].astype(np.float32)
        c = affines.reshape(-1, 6)
        shift_x = c[index, 0] * xs + c[index, 1] * ys + c[index, 2] - xs
        shift_y = c[index, 3] * xs + c[index, 4] * ys + c[index, 5] - ys
        # Piecewise affine bends only along triangle edges, which shows as creases where the skin is
        # squeezed or stretched (under the chin). Away from the lips the field is smoothed; at the
        # lips, which move apart, it stays exact.
        lips = np.zeros(index.shape, np.uint8)
        outline = [local_dst[self.vertex_of[i]] for i in UPPER_LIP_OUTER + LOWER_LIP_OUTER[::-1]]
        cv2.fillPoly(lips, [np.round(np.array(outline)).astype(np.int32)], 1)
        far = cv2.distanceTransform(1 - lips, cv2.DIST_L2, 3) / (SMOOTH_FROM_LIPS_EYES * self.eye)
        weight = np.clip(far, 0, 1)
        sigma = SMOOTH_FIELD_EYES * self.eye
        for field in (shift_x, shift_y):
            field += weight * (cv2.GaussianBlur(field, (0, 0), sigma) - field)
        map_x, map_y = xs + shift_x, ys + shift_y
        out = self.image.copy()
        out[y0:y1, x0:x1] = cv2.remap(self.source, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        return out, moved

    # --- one frame ------------------------------------------------------------------------------
    def frame(self, opening: float, blink: float = 0.0, roll: float = 0.0, scale: float = 1.0,
              shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """One frame: mouth opened by `opening` eye-corner distances, eyes `blink` closed (0..1)."""
        # Negative: close an open mouth, but only a little (lips pressed over teeth the photo shows
        # would have to be invented; a smile that stays a little open looks natural).
        d = max(max(0.0, opening) * self.eye - self.rest, -MAX_CLOSE_EYES * self.eye)
        d = self._within_mesh(d)
        if abs(d) > 0.5:
            out, moved = self._warp(d)
        else:
            out, moved = self.image.copy(), self._moved(d)
        if self.rest + d > 1.0:  # the lips are apart: draw what is between them
            self._mouth_interior(out, moved, d)
        if blink > 0:
            self._blink(out, blink)
        if roll or scale != 1.0 or shift != (0.0, 0.0):
            cx, cy = self.lm[:, 0].mean(), self.lm[:, 1].mean()
            m = cv2.getRotationMatrix2D((float(cx), float(cy)), roll, scale)
            m[:, 2] += shift
            out = cv2.warpAffine(out, m, (out.shape[1], out.shape[0]), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REFLECT)
        return out

    def _blink(self, out: np.ndarray, amount: float) -> None:
        """Draw each upper lid lowered by `amount` (1 = closed): skin sampled just above the lid, and a
        dark lash line at its edge. (A warp cannot do this: it would only stretch the eye.)"""
        h, w = out.shape[:2]
        for side in ("left", "right"):
            upper = self.lm[UPPER_LID[side]]
            lower = self.lm[LOWER_LID[side]]
            moved = upper + amount * (lower - upper)
            gap = float(np.mean(lower[:, 1] - upper[:, 1]))
            above = np.clip(upper - [0, 0.6 * gap], 0, [w - 1, h - 1]).astype(int)
            skin = self.image[above[:, 1], above[:, 0]].astype(np.float32).mean(axis=0)
            # Only the box round the eye is touched.
            pad = int(0.1 * self.eye) + 2
            x0, y0 = np.maximum(np.floor(upper.min(axis=0)).astype(int) - pad, 0)
            x1, y1 = np.minimum(np.ceil(lower.max(axis=0)).astype(int) + pad, [w, h])
            if x1 <= x0 or y1 <= y0:
                continue
            origin = np.array([x0, y0], np.float32)
            mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
            cv2.fillPoly(mask, [np.concatenate([upper, moved[::-1]]).astype(np.int32) - origin.astype(np.int32)], 255)
            lash = np.zeros_like(mask)
            cv2.polylines(lash, [(moved - origin).astype(np.int32)], False, 255,
                          max(1, int(LASH_WIDTH_EYES * self.eye)))
            soft = max(0.8, 0.012 * self.eye)
            m = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), soft)[..., None]
            lash_alpha = LASH_OPACITY * min(1.0, 2 * amount)
            lm_ = cv2.GaussianBlur(lash.astype(np.float32) / 255, (0, 0), soft)[..., None] * lash_alpha
            roi = out[y0:y1, x0:x1]
            blended = roi.astype(np.float32) * (1 - m) + skin * m
            roi[:] = np.clip(blended * (1 - lm_) + LASH_RGB * lm_, 0, 255).astype(np.uint8)

    # --- the mouth interior ---------------------------------------------------------------------
    def _sample_colours(self) -> None:
        """The lips' colour, the light on the face (for the teeth), and the photo's own interior."""
        lm = self.lm
        mask = np.zeros(self.image.shape[:2], np.uint8)
        cv2.fillPoly(mask, [lm[UPPER_LIP_OUTER + UPPER_LIP_INNER[::-1]].astype(np.int32)], 255)
        cv2.fillPoly(mask, [lm[LOWER_LIP_OUTER + LOWER_LIP_INNER[::-1]].astype(np.int32)], 255)
        lips = self.image[mask > 0].astype(np.float32)
        self.lip_rgb = lips.mean(axis=0) if len(lips) else np.array([150, 80, 80], np.float32)
        cheeks = np.array([lm[205], lm[425], lm[50], lm[280]]).astype(int)
        cheeks = np.clip(cheeks, 0, [self.image.shape[1] - 1, self.image.shape[0] - 1])
        skin = self.image[cheeks[:, 1], cheeks[:, 0]].astype(np.float32).mean(axis=0)
        luma = float(skin @ LUMA_WEIGHTS)
        # Teeth in the photo's light: as bright as the skin (a little less, in the mouth's shade),
        # neutral white tinted by the light's colour (the skin's hue, mostly washed out).
        tint = skin / max(luma, 1.0)
        tint = TEETH_TINT * tint + (1 - TEETH_TINT) * np.ones(3, np.float32)
        self.teeth_rgb = np.clip(tint * TEETH_LIGHT * luma, 0, 255)
        self.own_interior = self.rest > OWN_INTERIOR_EYES * self.eye
        # The mesh is warped from a copy whose own mouth gap is filled from the lips around it: pressed
        # together, the lips then meet without the photo's dark gap trapped between them (the opened
        # mouth is drawn over it; the photo's own teeth come from the original).
        gap = np.zeros(self.image.shape[:2], np.uint8)
        cv2.fillPoly(gap, [lm[UPPER_LIP_INNER + LOWER_LIP_INNER[::-1]].astype(np.int32)], 255)
        gap = cv2.dilate(gap, np.ones((3, 3), np.uint8), iterations=max(1, round(GAP_FILL_EYES * self.eye)))
        self.source = cv2.inpaint(self.image, gap, 3, cv2.INPAINT_TELEA) if self.rest > 1.0 else self.image

    def _mouth_interior(self, out: np.ndarray, moved: np.ndarray, d: float) -> None:
        """Draw the opening between the moved inner lip contours."""
        upper = smooth_curve(np.array([moved[self.vertex_of[i]] for i in UPPER_LIP_INNER]))
        lower = smooth_curve(np.array([moved[self.vertex_of[i]] for i in LOWER_LIP_INNER]))
        poly = np.concatenate([upper, lower[::-1]])
        x0, y0 = np.maximum(np.floor(poly.min(axis=0)).astype(int) - 2, 0)
        x1, y1 = np.minimum(np.ceil(poly.max(axis=0)).astype(int) + 3, [out.shape[1], out.shape[0]])
        if x1 - x0 < 3 or y1 - y0 < 2:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [np.round((poly - [x0, y0]) * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
        ys, xs = np.mgrid[0:y1 - y0, 0:x1 - x0].astype(np.float32)
        top = _height_at(upper - [x0, y0], xs[0])[None, :]  # the upper lip's edge per column
        bottom = _height_at(lower - [x0, y0], xs[0])[None, :]
        gap = float(np.linalg.norm(moved[self.vertex_of[13]] - moved[self.vertex_of[14]]))
        e = self.eye
        left, right = sorted((moved[self.vertex_of[78]][0] - x0, moved[self.vertex_of[308]][0] - x0))
        centre, half = (left + right) / 2, max((right - left) / 2, 1.0)
        across = np.clip(np.abs(xs - centre) / half, 0, 1)
        soft = max(0.7, 0.008 * e)
        # The cavity: the lips' hue, dark, darkest deepest in.
        depth = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 3)
        depth = np.clip(depth / max(gap / 2, 1.0), 0, 1)[..., None]
        layer = self.lip_rgb * (CAVITY_NEAR_LIPS * (1 - depth) + CAVITY_DEEP * depth)
        light = (1 - 0.5 * across**2)[..., None]  # teeth and tongue recede into shadow at the sides
        wide = np.clip((gap - TONGUE_FROM_EYES * e) / (0.05 * e), 0, 1)
        if wide > 0:
            tongue_y = bottom - 0.12 * gap
            tongue = 1 - ((xs - centre) / (0.62 * half)) ** 2 - ((ys - tongue_y) / (0.32 * gap)) ** 2
            t = cv2.GaussianBlur(np.clip(tongue * 3, 0, 1), (0, 0), 2 * soft)[..., None] * wide
            shade = np.clip(0.55 + 0.45 * (ys - (tongue_y - 0.32 * gap)) / (0.5 * gap), 0.55, 1.0)[..., None]
            layer = layer * (1 - t) + self.lip_rgb * TONGUE_SHARE * shade * light * t
        if self.own_interior:
            # The photo shows its own teeth: they move with the upper lip.
            dy = -UPPER_LIP_SHARE * d
            own = np.zeros(self.image.shape[:2], np.uint8)
            cv2.fillPoly(own, [self.lm[UPPER_LIP_INNER + LOWER_LIP_INNER[::-1]].astype(np.int32)], 255)
            m = np.float32([[1, 0, -x0], [0, 1, dy - y0]])
            size = (x1 - x0, y1 - y0)
            own_px = cv2.warpAffine(self.image, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
            own_mask = cv2.warpAffine(own, m, size, flags=cv2.INTER_LINEAR)[..., None].astype(np.float32) / 255
            layer = layer * (1 - own_mask) + own_px.astype(np.float32) * own_mask
        else:
            teeth, shade = upper_teeth(xs - centre, ys - top, np.minimum(UPPER_TEETH_EYES * e, 0.7 * (bottom - top)), e)
            tt = cv2.GaussianBlur(teeth, (0, 0), soft)[..., None]
            layer = layer * (1 - tt) + self.teeth_rgb * light * shade[..., None] * tt
        alpha = mask.astype(np.float32)[..., None] / 255
        roi = out[y0:y1, x0:x1].astype(np.float32)
        out[y0:y1, x0:x1] = np.clip(roi * (1 - alpha) + layer * alpha, 0, 255).astype(np.uint8)


def smooth_curve(points: np.ndarray, per_segment: int = 6) -> np.ndarray:
    """A Catmull-Rom curve through `points` (a lip contour from 11 landmarks is visibly polygonal)."""
    p = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (3 * p1 - p0 - 3 * p2 + p3) * t**3))
    out.append(points[-1:])
    return np.concatenate(out).astype(np.float32)


def _height_at(curve: np.ndarray, xs: np.ndarray) -> np.ndarray:
    order = np.argsort(curve[:, 0])
    return np.interp(xs, curve[order, 0], curve[order, 1])


def upper_teeth(dx: np.ndarray, dy: np.ndarray, height: np.ndarray, eye: float) -> tuple[np.ndarray, np.ndarray]:
    """Coverage and shading of the upper front teeth. dx: pixels from the mouth's centre line, dy:
    pixels below the upper lip's edge, height: how far the teeth reach below it (per column)."""
    edges = np.cumsum(TOOTH_WIDTHS_EYES) * eye  # tooth boundaries from the centre outwards
    pos = np.abs(dx)
    tooth = np.searchsorted(edges, pos)  # 0: central incisor, 1: lateral, 2: canine, 3: beyond
    start = np.concatenate([[0.0], edges])[np.minimum(tooth, len(edges))]
    width = np.asarray(TOOTH_WIDTHS_EYES + (TOOTH_WIDTHS_EYES[-1],))[np.minimum(tooth, len(edges))] * eye
    within = np.clip((pos - start) / width, 0, 1)
    lengths = np.asarray(TOOTH_LENGTHS + (0.0,))[np.minimum(tooth, len(edges))]
    # Each tooth's biting edge is rounded at its corners; teeth further round the arch look shorter.
    side = np.clip(pos / max(float(edges[-1]), 1.0), 0, 1)
    reach = height * lengths * (1 - 0.35 * (2 * within - 1) ** 4) * (1 - 0.45 * side**2)
    cover = ((dy > -2) & (dy < reach)).astype(np.float32)
    gaps = 1 - TOOTH_GAP_DARKEN * np.exp(-((pos - np.concatenate([[0.0], edges])[np.minimum(tooth, 3)]) /
                                          (TOOTH_GAP_EYES * eye)) ** 2)
    lip_shadow = 0.72 + 0.28 * np.clip(dy / np.maximum(0.45 * height, 1.0), 0, 1)
    return cover, gaps * lip_shadow
