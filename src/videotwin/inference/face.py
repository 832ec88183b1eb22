"""Face landmarks with MediaPipe Face Mesh (478 points, bundled model; no download).

Two uses: one still image at a time (photos, single frames: the registry's FaceMesh model), and a
video, whose tracker follows the face from frame to frame (faster and steadier than image by image;
it keeps state, so each video gets its own from FaceMesh.tracker()). MediaPipe runs on the CPU."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from videotwin.inference.registry import Model

MAX_FACES = 2  # we need to know whether there is more than one
MIN_DETECTION_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5
LANDMARKS = 478


@dataclass(frozen=True)
class FaceObservation:
    faces: int
    landmarks: np.ndarray | None  # 478 x 3, pixels (x, y) and relative depth, of the largest face
    widths: tuple[float, ...] = ()  # every face's landmark-box width in pixels, largest first


class FaceTracker:
    """One MediaPipe Face Mesh graph; `static_images` for unrelated images, else frames of one video."""

    def __init__(self, static_images: bool = False) -> None:
        import mediapipe as mp

        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=static_images, max_num_faces=MAX_FACES, refine_landmarks=True,
            min_detection_confidence=MIN_DETECTION_CONFIDENCE, min_tracking_confidence=MIN_TRACKING_CONFIDENCE)
        self._lock = threading.Lock()

    def observe(self, rgb: np.ndarray) -> FaceObservation:
        h, w = rgb.shape[:2]
        with self._lock:
            result = self._mesh.process(rgb)
        faces = result.multi_face_landmarks or []
        if not faces:
            return FaceObservation(0, None)
        points = [np.array([(p.x * w, p.y * h, p.z * w) for p in f.landmark], np.float32) for f in faces]
        points.sort(key=lambda p: -float(np.ptp(p[:, 0]) * np.ptp(p[:, 1])))
        return FaceObservation(len(faces), points[0], tuple(float(np.ptp(p[:, 0])) for p in points))

    def close(self) -> None:
        self._mesh.close()


class FaceMesh(Model):
    """predict(rgb) -> FaceObservation of a still image; tracker() -> a FaceTracker for one video (the
    caller closes it)."""

    NAME = "face_mesh"

    def load(self) -> None:
        self._still = FaceTracker(static_images=True)

    def unload(self) -> None:
        self._still.close()
        self._still = None

    def predict(self, rgb: np.ndarray) -> FaceObservation:
        return self._still.observe(rgb)

    def tracker(self) -> FaceTracker:
        return FaceTracker(static_images=False)
