"""Matting on a real green-screen clip, compositing, the canvas layout, colours and worker pools."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.fixtures import fixture
from videotwin.domain import videos
from videotwin.errors import BadInput
from videotwin.inference.segmentation import SelfieSegmenter
from videotwin.media import colour, matting, video
from videotwin.media.layout import layout as _layout
from videotwin.media.layout import place as _place
from videotwin.queue.huey_queue import TaskQueue


def chroma_truth(rgb: np.ndarray) -> np.ndarray:
    f = rgb.astype(np.float32)
    greenness = f[..., 1] - np.maximum(f[..., 0], f[..., 2])
    return greenness < 15  # True: the person


def test_the_matte_finds_the_person_on_a_green_screen_and_stays_steady(models):
    path = fixture("captions/m01_greenscreen_man_noaudio.mp4")
    frames = [f for _i, f in zip(range(20), video.frames(path), strict=False)]
    with models.use(SelfieSegmenter) as segmenter:
        matter = matting.Matter(segmenter.predict)
        alphas = [matter.alpha(f) for f in frames]
    rows = slice(0, 470)  # the clip has a black letterbox at the bottom
    for f, a in zip(frames[::5], alphas[::5], strict=True):
        truth, ours = chroma_truth(f)[rows], a[rows] > 0.5
        assert (truth & ours).sum() / (truth | ours).sum() > 0.93
    # Frame to frame the matte moves about as little as the person does.
    change = np.mean([np.abs(b - a).mean() for a, b in zip(alphas, alphas[1:], strict=False)])
    assert change < 0.01


def test_compositing_keeps_the_solid_person_and_the_clean_background():
    person = np.full((40, 60, 3), 200, np.uint8)
    background = np.zeros((40, 60, 3), np.uint8)
    alpha = np.zeros((40, 60), np.float32)
    alpha[:, 30:] = 1.0
    out = matting.over(person, alpha, background)
    assert (out[:, :25] == 0).all() and (out[:, 35:] == 200).all()
    assert matting.cover(np.zeros((100, 300, 3), np.uint8), (64, 64)).shape == (64, 64, 3)


def test_without_a_canvas_the_video_is_the_avatar_at_the_asked_resolution():
    layout = _layout((1080, 1920), 720, None)
    assert layout.canvas == layout.person == (720, 1280) and layout.box == (0, 0)
    assert _layout((700, 700), 1080, None).canvas == (1080, 1080)


def test_the_person_keeps_its_shape_inside_its_box_on_the_canvas():
    layout = _layout((700, 700), 480, (1280, 720), (700, 220, 500, 500))
    assert layout.canvas == (854, 480)
    k = 854 / 1280
    assert layout.person == (334, 334)
    assert abs(layout.box[0] - 700 * k) <= 1 and abs(layout.box[1] + 334 - 720 * k) <= 1  # on the box's floor
    person = np.full((334, 334, 3), 255, np.uint8)
    out = _place(person, np.ones((334, 334), np.float32), np.zeros((480, 854, 3), np.uint8), layout.box)
    assert out[:, :400].max() == 0 and out[300, 600].min() == 255


def test_canvas_fields_must_keep_the_person_on_the_canvas():
    with pytest.raises(BadInput, match="web_people_x"):
        videos._canvas({"web_bg_width": 1280, "web_bg_height": 720, "web_people_width": 400,
                        "web_people_height": 400, "web_people_x": 1100, "web_people_y": 0})
    with pytest.raises(BadInput, match="web_bg_width"):
        videos._canvas({"web_people_width": 400, "web_people_height": 400})
    with pytest.raises(BadInput, match="4.0:1"):
        videos._canvas({"web_bg_width": 5000, "web_bg_height": 100})
    with pytest.raises(BadInput, match="too small"):
        videos._canvas({"web_bg_width": 1280, "web_bg_height": 720, "web_people_width": 20,
                        "web_people_height": 400})
    assert videos._canvas({"web_bg_width": None}) is None
    ok = videos._canvas({"web_bg_width": 1280, "web_bg_height": 720, "web_people_width": 400,
                         "web_people_height": 400, "web_people_x": 1000, "web_people_y": 100})
    assert ok.people == (1000, 100, 400, 400)  # 70 % on the canvas: accepted


@pytest.mark.parametrize("text,expected", [("rgba(0,200,80,1)", (0, 200, 80, 1.0)), ("#ff0000", (255, 0, 0, 1.0)),
                                           ("rgb(1, 2, 3)", (1, 2, 3, 1.0)), ("#00000080", (0, 0, 0, 128 / 255))])
def test_colours_in_the_spellings_clients_send(text, expected):
    assert colour.parse(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["red", "rgba(300,0,0,1)", "rgba(0,0,0,2)", "#12345"])
def test_what_is_not_a_colour_is_refused(text):
    with pytest.raises(ValueError, match="not a colour"):
        colour.parse(text)


def test_a_dedicated_pool_has_its_own_queue(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    shared = TaskQueue(url)
    pooled = TaskQueue(url, pool="alice-gpu")
    shared.enqueue("a" * 24, queue="alice-gpu")
    shared.enqueue("b" * 24)
    assert pooled.pending_count() == 1 and shared.pending_count() == 1
