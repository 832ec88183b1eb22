"""Photo avatars (lipsync/photo.py) on real portraits: the mesh warp opens the mouth as far as asked,
keeps the lips and the upper face, draws teeth in the photo's light, keeps a photo's own teeth, and
never folds the face over itself."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.support.fixtures import fixture
from videotwin.inference.face import FaceTracker
from videotwin.lipsync.photo import (
    LOWER_LIP_INNER,
    LUMA_WEIGHTS,
    MAX_CLOSE_EYES,
    NOSE_BRIDGE,
    UPPER_LIP_INNER,
    PhotoAnimator,
)


def animator(name: str) -> tuple[PhotoAnimator, np.ndarray]:
    image = cv2.cvtColor(cv2.imread(str(fixture(f"image/{name}"))), cv2.COLOR_BGR2RGB)
    landmarks = FaceTracker(static_images=True).observe(image).landmarks
    return PhotoAnimator(image, landmarks), landmarks


def measured_opening(frame: np.ndarray) -> float:
    lm = FaceTracker(static_images=True).observe(frame).landmarks
    return float(np.linalg.norm(lm[13, :2] - lm[14, :2]) / np.linalg.norm(lm[33, :2] - lm[263, :2]))


def test_a_closed_mouth_opens_as_far_as_asked_and_the_upper_face_stays_as_it_was():
    anim, lm = animator("i11_man_glasses_sweater_frame.png")
    targets = [0.06, 0.12, 0.18, 0.24]
    measured = [measured_opening(anim.frame(t)) for t in targets]
    assert np.all(np.diff(measured) > 0.02)
    assert np.all(np.abs(np.array(measured) - targets) < 0.05), measured
    eyes = int(max(lm[145, 1], lm[374, 1]))  # the lower eyelids: the eyes and all above stay as they were
    assert np.array_equal(anim.frame(0.2)[:eyes], anim.image[:eyes])
    nose = int(lm[NOSE_BRIDGE, 1])
    change = np.abs(anim.frame(0.2)[:nose].astype(int) - anim.image[:nose].astype(int))
    assert change.mean() < 0.1


def test_the_drawn_teeth_are_in_the_faces_light_and_the_cavity_is_dark():
    anim, lm = animator("i09_woman_earrings_frame.png")
    frame = anim.frame(0.2)
    skin = float(anim.image[lm[[205, 425], 1].astype(int), lm[[205, 425], 0].astype(int)].mean(axis=0) @ LUMA_WEIGHTS)
    teeth = float(anim.teeth_rgb @ LUMA_WEIGHTS)
    assert 0.8 * skin < teeth < 1.2 * skin
    # Just under the chin of the opened mouth's middle: the cavity, darker than the lips around it.
    moved = anim._moved(0.2 * anim.eye - anim.rest)
    upper, lower = moved[anim.vertex_of[13]], moved[anim.vertex_of[14]]
    x, y = int(upper[0]), int(0.35 * upper[1] + 0.65 * lower[1])
    assert float(frame[y, x] @ LUMA_WEIGHTS) < 0.6 * float(anim.lip_rgb @ LUMA_WEIGHTS)


def test_a_photo_with_its_mouth_open_keeps_its_own_teeth_in_silence():
    anim, lm = animator("i13_woman_asian_frame.png")
    assert anim.own_interior
    frame = anim.frame(0.0)  # silence: the lips close only a little over the teeth the photo shows
    gap = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(gap, [lm[UPPER_LIP_INNER + LOWER_LIP_INNER[::-1], :2].astype(np.int32)], 1)
    gap = cv2.erode(gap, np.ones((3, 3), np.uint8), iterations=int(MAX_CLOSE_EYES * anim.eye) + 1)
    inside = gap > 0
    assert inside.sum() > 20
    assert np.abs(frame[inside].astype(float) - anim.image[inside].astype(float)).mean() < 25


@pytest.mark.parametrize("name", ["i07_woman_yellow_bg.jpg", "i05_man_grey_bg.jpg",
                                  "i11_man_glasses_sweater_frame.png"])
def test_no_opening_folds_the_face_over_itself(name):
    anim, _ = animator(name)
    for target in (0.0, 0.1, 0.25):
        d = anim._within_mesh(max(target * anim.eye - anim.rest, -MAX_CLOSE_EYES * anim.eye))
        assert not anim._folds(anim._moved(d))
        assert np.isfinite(anim.frame(target)).all()
