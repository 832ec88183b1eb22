"""Compositing a real mouth from one frame into another frame of the same person (v02)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.fixtures import fixture
from videotwin.inference.face import FaceTracker
from videotwin.lipsync.composite import FEATHER_SHARE, LOWER_FACE, composite, lower_face_mask
from videotwin.lipsync.tracking import LEFT_EYE_OUTER, RIGHT_EYE_OUTER, track_video
from videotwin.media import video

pytestmark = pytest.mark.slow
FIRST_FRAMES = 150


@pytest.fixture(scope="module")
def clip(models):
    path = fixture("video/v02_man_kitchen.mp4")
    track = track_video(path, models)
    frames = [f for _, f in zip(range(FIRST_FRAMES), video.frames(path), strict=False)]
    opening = track.mouth_opening()[:FIRST_FRAMES]
    return frames, track.landmarks[:FIRST_FRAMES], int(np.argmin(opening)), int(np.argmax(opening))


def opening_of(frame):
    lm = FaceTracker(static_images=True).observe(frame).landmarks
    return float(np.linalg.norm(lm[13, :2] - lm[14, :2]) / np.linalg.norm(lm[33, :2] - lm[263, :2]))


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255**2 / max(mse, 1e-12))


def test_a_frame_composited_onto_itself_is_unchanged(clip):
    frames, lms, closed, _ = clip
    assert psnr(composite(frames[closed], lms[closed], frames[closed], lms[closed]), frames[closed]) > 40


def test_an_open_mouth_put_into_a_closed_mouth_frame_opens_it_and_leaves_the_rest(clip):
    frames, lms, closed, opened = clip
    out = composite(frames[closed], lms[closed], frames[opened], lms[opened])
    assert opening_of(frames[closed]) < 0.05
    assert opening_of(out) > 0.7 * opening_of(frames[opened])
    eyes_bottom = int(lms[closed][[LEFT_EYE_OUTER, RIGHT_EYE_OUTER], 1].max())
    assert np.array_equal(out[:eyes_bottom], frames[closed][:eyes_bottom])  # eyes and above untouched


def test_the_blend_leaves_no_seam_at_the_mask_edge(clip):
    """A seam is a sudden step in (composite - base) across the mask's edge. Feathered, the step is
    spread out; a hard-edged paste with a colour offset scores about 57 here, this blend about 20."""
    frames, lms, closed, opened = clip
    base = frames[closed]
    out = composite(base, lms[closed], frames[opened], lms[opened])
    eye = float(np.linalg.norm(lms[closed][LEFT_EYE_OUTER, :2] - lms[closed][RIGHT_EYE_OUTER, :2]))
    mask = lower_face_mask(lms[closed][LOWER_FACE, :2], base.shape[:2], FEATHER_SHARE * eye)
    band = ((mask > 0.05) & (mask < 0.6))[:-1, :-1]  # the feathered edge, outside the mouth itself
    diff = out.astype(np.float32).mean(axis=2) - base.astype(np.float32).mean(axis=2)
    step = np.abs(np.diff(diff, axis=0))[:, :-1] + np.abs(np.diff(diff, axis=1))[:-1, :]
    assert np.percentile(step[band], 99) < 30
