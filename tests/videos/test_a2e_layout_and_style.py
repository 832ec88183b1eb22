"""video/generate's A2E options without rendering: the canvas fields as a property over many layouts,
captionAlign in A2E's own keys (ASS names and colours) and ours, and how captions and titles are drawn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videotwin.domain import videos
from videotwin.errors import BadInput
from videotwin.media import captions, colour
from videotwin.media.captions import Cue, Style
from videotwin.media.layout import MAX_OUTPUT_SIDE_PX, layout, place

# The request an A2E client sent when the issue was found (an 853x480 editor, a 270x480 person at x=292).
A2E_CANVAS = {"web_bg_width": 853, "web_bg_height": 480, "web_people_width": 270, "web_people_height": 480,
              "web_people_x": 292, "web_people_y": 0}
AVATAR_SIZES = [(700, 700), (1080, 1920), (1920, 1080), (720, 1280), (608, 608), (640, 480), (1024, 1536)]


def test_all_zero_canvas_fields_mean_no_layout():
    assert videos._canvas(dict.fromkeys(A2E_CANVAS, 0)) is None
    assert videos._canvas(dict.fromkeys(A2E_CANVAS, 0.0)) is None
    assert videos._canvas({}) is None


def test_the_a2e_canvas_scales_to_the_resolution_and_keeps_the_person_in_its_box():
    canvas = videos._canvas(A2E_CANVAS)
    frame = layout((608, 608), 1080, (canvas.width, canvas.height), canvas.people)
    assert frame.canvas == (1920, 1080)
    k = 1920 / 853
    # The square avatar fits the 270-wide box: 270 units wide, centred in it, standing on its floor.
    assert abs(frame.person[0] - 270 * k) <= 2 and frame.person[0] == frame.person[1]
    assert abs(frame.box[0] - 292 * k) <= 2 and frame.box[1] + frame.person[1] == 1080


@st.composite
def requests(draw):
    """A canvas request as a client might send it: any shape up to 4:1, a person box of any size that is
    at least a tenth of each side, partly off the canvas at most by half."""
    w = draw(st.floats(1, videos.MAX_CANVAS_UNITS, allow_nan=False))
    aspect = draw(st.floats(1 / videos.MAX_CANVAS_ASPECT, videos.MAX_CANVAS_ASPECT))
    h = min(videos.MAX_CANVAS_UNITS, max(0.01, w / aspect))
    fields = {"web_bg_width": w, "web_bg_height": h}
    if draw(st.booleans()):
        pw = draw(st.floats(videos.MIN_PERSON_SHARE * w, 2 * w))
        ph = draw(st.floats(videos.MIN_PERSON_SHARE * h, 2 * h))
        fields.update(web_people_width=pw, web_people_height=ph, web_people_x=draw(st.floats(-pw, w)),
                      web_people_y=draw(st.floats(-ph, h)))
    return fields


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=requests(), native=st.sampled_from(AVATAR_SIZES), resolution=st.sampled_from(videos.RESOLUTIONS))
def test_every_accepted_canvas_gives_a_frame_the_encoder_takes_with_the_person_where_the_box_says(
        fields, native, resolution):
    try:
        canvas = videos._canvas(fields)
        if canvas.people:
            videos.check_person_on_canvas(canvas, native, resolution)
    except BadInput as exc:  # refused requests name a canvas field
        assert exc.field.startswith("web_")
        return
    frame = layout(native, resolution, (canvas.width, canvas.height), canvas.people)
    cw, ch = frame.canvas
    # H.264 4:2:0 sides, the canvas's shape, its shorter side the resolution (unless the longer one is capped).
    assert cw % 2 == 0 and ch % 2 == 0 and frame.person[0] % 2 == 0 and frame.person[1] % 2 == 0
    assert max(cw, ch) <= MAX_OUTPUT_SIDE_PX
    assert min(cw, ch) == resolution or max(cw, ch) >= MAX_OUTPUT_SIDE_PX - 2
    assert abs(cw / ch - canvas.width / canvas.height) < 0.02 * (canvas.width / canvas.height) + 4 / ch
    # The avatar keeps its shape (to a pixel of rounding) and fits its box.
    pw, ph = frame.person
    assert abs(pw / ph - native[0] / native[1]) <= 2 / min(pw, ph) * (native[0] / native[1]) + 1e-9
    k = cw / canvas.width
    bx, by, bw, bh = canvas.people or (0.0, 0.0, canvas.width, canvas.height)
    assert pw <= bw * k + 2 and ph <= bh * k + 2
    assert abs(frame.box[1] + ph - (by + bh) * k) <= 2  # standing on the box's floor
    assert abs(frame.box[0] + pw / 2 - (bx + bw / 2) * k) <= 2  # centred in it
    # Compositing gives exactly the canvas the encoder was opened with, and the person is on it.
    person = np.full((ph, pw, 3), 255, np.uint8)
    out = place(person, np.ones((ph, pw), np.float32), np.zeros((ch, cw, 3), np.uint8), frame.box)
    assert out.shape == (ch, cw, 3) and out.dtype == np.uint8
    assert (out == 255).all(axis=2).sum() >= videos.MIN_PERSON_INSIDE_SHARE * pw * ph - 1  # at least half shows


def test_caption_align_in_a2e_keys_is_honoured():
    style, notes = videos._captions({
        "language": "en-US", "PrimaryColour": "rgba(255, 0, 0, 1)", "OutlineColour": "&H00FF0000",
        "BackColour": "&H80000000", "TitleBoxColour": "rgba(0,0,255,0.8)", "title": "Three tips", "FontName": "Arial",
        "Fontsize": 54, "subtitle_position": 0.2, "BorderStyle": 1})
    assert notes == []
    assert style.color == "rgba(255,0,0,1)" and style.stroke_color == "rgba(0,0,255,1)"
    assert style.shadow_color.startswith("rgba(0,0,0,0.49") and style.title == "Three tips"
    assert style.title_background == "rgba(0,0,255,0.8)" and style.font_family == "Arial"
    assert style.font_size == pytest.approx(54 / 1080) and style.subtitle_position == 0.2 and style.language == "en"
    assert style.background_color == "rgba(0,0,0,0)" and style.stroke_width > 0


def test_caption_numbers_may_come_as_digit_strings_like_every_number_in_a_body():
    style, _ = videos._captions({"Fontsize": "54", "BorderStyle": "3", "subtitle_position": "0.7"})
    assert style.font_size == pytest.approx(54 / 1080) and style.stroke_width == 0 and style.subtitle_position == 0.7


def test_traditional_chinese_captions_keep_their_region_for_the_glyphs():
    assert videos._captions({"language": "zh-TW"})[0].language == "zh-tw"
    assert videos._captions({"language": "zh-CN"})[0].language == "zh"


def test_border_style_3_draws_a_box_in_the_outline_colour_and_no_outline():
    style, _ = videos._captions({"BorderStyle": 3, "OutlineColour": "rgba(0,0,0,0.6)"})
    assert style.background_color == "rgba(0,0,0,0.6)" and style.stroke_width == 0


def test_our_own_caption_names_still_work_and_unknown_keys_are_noted_not_refused():
    style, notes = videos._captions({"font_size": 0.07, "color": "#00ff00", "stroke_width": 0.1,
                                     "Shadow": 2, "MarginV": 30})
    assert style.font_size == 0.07 and style.color == "rgba(0,255,0,1)" and style.stroke_width == 0.1
    assert len(notes) == 1 and "MarginV" in notes[0] and "Shadow" in notes[0] and "ignored" in notes[0]


@pytest.mark.parametrize(("align", "field"), [
    ({"PrimaryColour": 16777215}, "captionAlign.PrimaryColour"),
    ({"OutlineColour": "&HZZ"}, "captionAlign.OutlineColour"),
    ({"Fontsize": "big"}, "captionAlign.Fontsize"),
    ({"Fontsize": True}, "captionAlign.Fontsize"),
    ({"subtitle_position": 1.5}, "captionAlign.subtitle_position"),
    ({"BorderStyle": 2}, "captionAlign.BorderStyle"),
    ({"language": "klingon"}, "captionAlign.language"),
    ({"title": "x" * 500}, "captionAlign.title"),
    ({"Fontsize": 10 ** 400}, "captionAlign.Fontsize"),  # an int no float can hold: once a 500
    ({"Fontsize": float("inf")}, "captionAlign.Fontsize"),
    ({"BorderStyle": True}, "captionAlign.BorderStyle"),
])
def test_a_known_caption_key_with_a_bad_value_is_refused_naming_it(align, field):
    with pytest.raises(BadInput) as caught:
        videos._captions(align)
    assert caught.value.field == field


@pytest.mark.parametrize(("text", "expected"), [
    ("&H00FFFFFF", (255, 255, 255, 1.0)), ("&H000000FF", (255, 0, 0, 1.0)), ("&HFF00FF00&", (0, 255, 0, 0.0)),
    ("&H00FF00", (0, 255, 0, 1.0)), ("&h80ff0000", (0, 0, 255, 1 - 128 / 255)),
])
def test_ass_colours_are_alpha_blue_green_red(text, expected):
    assert colour.parse(text) == pytest.approx(expected)


def _style(**kw) -> Style:
    base = {"font_px": 28, "color": (255, 255, 255, 255), "stroke_color": (0, 0, 0, 255), "stroke_px": 0,
            "background": (0, 0, 0, 0), "position": 0.85, "language": "en"}
    return Style(**{**base, **kw})


def test_a_title_stays_at_the_top_in_its_box_for_the_whole_video():
    size = (480, 270)
    style = _style(background=(0, 0, 255, 255), position=captions.TITLE_POSITION)
    burner = captions.Burner([captions.title_cue("Three ways to save energy at home", style, size[0])], style, size)
    frame = np.zeros((270, 480, 3), np.uint8)
    for t in (0.0, 3.0, 600.0):
        drawn = burner.apply(frame, t).astype(int)
        blue = (drawn[..., 2] > 200) & (drawn[..., 0] < 60)
        rows = np.nonzero(blue.any(axis=1))[0]
        assert rows.size and rows.max() < 270 * 0.3  # the box is at the top
        assert (drawn[rows.min():rows.max(), :, :].min(axis=2) > 200).sum() > 50  # white text in it


def test_a_long_title_wraps_to_fit_the_frame():
    style = _style(font_px=40)
    cue = captions.title_cue("A title much too long to fit on a single line of a narrow frame", style, 320)
    f = captions.font("en", 40)
    assert 1 < len(cue.lines) <= captions.MAX_TITLE_LINES
    assert all(f.getlength(line) <= captions.LINE_WIDTH_SHARE * 320 for line in cue.lines[:-1])


def test_a_shadow_is_drawn_under_the_text_offset_down_and_right():
    size = (320, 240)
    plain = captions.Burner([Cue(("Hi there",), 0.0, 2.0)], _style(), size)
    shadowed = captions.Burner([Cue(("Hi there",), 0.0, 2.0)], _style(shadow=(255, 0, 0, 255)), size)
    frame = np.zeros((240, 320, 3), np.uint8)
    a, b = plain.apply(frame, 1.0).astype(int), shadowed.apply(frame, 1.0).astype(int)
    red = (b[..., 0] > 200) & (b[..., 1] < 80)
    assert red.sum() > 30 and not ((a[..., 0] > 200) & (a[..., 1] < 80)).any()
    ys, xs = np.nonzero(red)
    ws, wx = np.nonzero(a.min(axis=2) > 200)
    assert ys.mean() > ws.mean() and xs.mean() > wx.mean()
