"""Track a face through a video: landmarks per frame (jitter filtered), head pose, face size, and the
mouth-opening signal that lip-sync is trained and measured on."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videotwin.inference.face import LANDMARKS, FaceMesh
from videotwin.inference.registry import ModelRegistry
from videotwin.media import video

# MediaPipe Face Mesh indices.
UPPER_INNER_LIP, LOWER_INNER_LIP = 13, 14
LEFT_EYE_OUTER, RIGHT_EYE_OUTER = 33, 263
NOSE_TIP = 1
LEFT_CHEEK, RIGHT_CHEEK = 234, 454
FOREHEAD, CHIN = 10, 152
# Tracking runs at this size (longer side, pixels): landmarks are scaled back to full resolution.
TRACK_MAX_SIDE_PX = 1280
# One Euro filter (Casiez et al. 2012) for landmark jitter: smooth when still, follow when moving.
ONE_EURO_MIN_CUTOFF_HZ = 1.5
ONE_EURO_BETA = 0.05
ONE_EURO_DERIV_CUTOFF_HZ = 1.0


@dataclass
class Track:
    fps: float
    width: int  # full-resolution frame size
    height: int
    faces: np.ndarray  # per frame: how many faces were found
    second_face_ratio: np.ndarray  # per frame: second face width / first (0 if none)
    landmarks: np.ndarray  # frames x 478 x 3 (NaN where no face), full-resolution pixels, filtered
    found: np.ndarray  # per frame: bool

    @property
    def frames(self) -> int:
        return int(self.faces.size)

    def eye_distance(self) -> np.ndarray:
        lm = self.landmarks
        return np.linalg.norm(lm[:, LEFT_EYE_OUTER, :2] - lm[:, RIGHT_EYE_OUTER, :2], axis=1)

    def mouth_opening(self) -> np.ndarray:
        """Inner-lip gap divided by the outer-eye-corner distance (scale-free), per frame."""
        lm = self.landmarks
        gap = np.linalg.norm(lm[:, UPPER_INNER_LIP, :2] - lm[:, LOWER_INNER_LIP, :2], axis=1)
        return gap / np.maximum(self.eye_distance(), 1e-6)

    def yaw_degrees(self) -> np.ndarray:
        """Head turn from the nose's position between the cheeks: 0 facing the camera, +-90 profile."""
        lm = self.landmarks
        left = np.abs(lm[:, NOSE_TIP, 0] - lm[:, LEFT_CHEEK, 0])
        right = np.abs(lm[:, RIGHT_CHEEK, 0] - lm[:, NOSE_TIP, 0])
        ratio = (left - right) / np.maximum(left + right, 1e-6)
        return np.degrees(np.arcsin(np.clip(ratio, -1, 1)))

    def pitch_ratio(self) -> np.ndarray:
        """Head nod: where the nose tip sits between the eye line (0) and the chin (1)."""
        lm = self.landmarks
        eyes = (lm[:, LEFT_EYE_OUTER, 1] + lm[:, RIGHT_EYE_OUTER, 1]) / 2
        return (lm[:, NOSE_TIP, 1] - eyes) / np.maximum(lm[:, CHIN, 1] - eyes, 1e-6)

    def pose(self) -> np.ndarray:
        """Per frame (yaw degrees, pitch ratio): what a 2-D alignment of two frames cannot undo."""
        return np.stack([self.yaw_degrees(), self.pitch_ratio()], axis=1)

    def face_height(self) -> np.ndarray:
        lm = self.landmarks
        return np.linalg.norm(lm[:, FOREHEAD, :2] - lm[:, CHIN, :2], axis=1)


class OneEuro:
    """Vectorised One Euro filter over arrays of any shape."""

    def __init__(self, fps: float, min_cutoff: float = ONE_EURO_MIN_CUTOFF_HZ, beta: float = ONE_EURO_BETA,
                 d_cutoff: float = ONE_EURO_DERIV_CUTOFF_HZ) -> None:
        self.rate = fps
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x = None
        self.dx = None

    def _alpha(self, cutoff) -> np.ndarray:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau * self.rate)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.x is None:
            self.x, self.dx = x.copy(), np.zeros_like(x)
            return x
        dx = (x - self.x) * self.rate
        a_d = self._alpha(self.d_cutoff)
        self.dx = a_d * dx + (1 - a_d) * self.dx
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx)
        a = self._alpha(cutoff)
        self.x = a * x + (1 - a) * self.x
        return self.x

    def reset(self) -> None:
        self.x = self.dx = None


def track_video(path: Path, models: ModelRegistry, progress=None) -> Track:
    info = video.probe(path)
    size = video.scaled_size(info.width, info.height, TRACK_MAX_SIDE_PX)
    scale = np.array([info.width / size[0], info.height / size[1], info.width / size[0]], np.float32)
    fps = info.fps or 25.0
    with models.use(FaceMesh) as mesh:
        tracker = mesh.tracker()
    smoother = OneEuro(fps)
    faces, second, marks = [], [], []
    try:
        for i, frame in enumerate(video.frames(path, size)):
            obs = tracker.observe(frame)
            faces.append(obs.faces)
            second.append(obs.widths[1] / obs.widths[0] if len(obs.widths) > 1 else 0.0)
            if obs.landmarks is None:
                smoother.reset()  # do not drag a stale face into the next one
                marks.append(np.full((LANDMARKS, 3), np.nan, np.float32))
            else:
                marks.append(smoother(obs.landmarks * scale))
            if progress is not None and info.frames:
                progress(min(1.0, (i + 1) / info.frames))
    finally:
        tracker.close()
    landmarks = np.stack(marks) if marks else np.zeros((0, LANDMARKS, 3), np.float32)
    return Track(fps=fps, width=info.width, height=info.height, faces=np.array(faces, np.int32),
                 second_face_ratio=np.array(second, np.float32), landmarks=landmarks,
                 found=~np.isnan(landmarks[:, 0, 0]) if len(marks) else np.zeros(0, bool))
