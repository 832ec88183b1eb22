"""Captions: words timed and grouped into cues that fit the frame, drawn in every script we promise."""

from __future__ import annotations

import numpy as np
import pytest

from videotwin.media import captions
from videotwin.media.captions import Cue, Style, Word

WHITE = (255, 255, 255, 255)
BLACK = (0, 0, 0, 255)


def style(language="en", px=40):
    return Style(font_px=px, color=WHITE, stroke_color=BLACK, stroke_px=3, background=(0, 0, 0, 0), position=0.85,
                 language=language)


def timed(text: str, step: float = 0.3) -> list[Word]:
    return [Word(i * step, i * step + step * 0.8, w) for i, w in enumerate(text.split())]


def test_cjk_text_is_split_per_character_and_punctuation_stays_attached():
    assert captions.tokens("今日は、いい天気。") == ["今", "日", "は、", "い", "い", "天", "気。"]
    assert captions.tokens("Hello, world!") == ["Hello,", "world!"]
    assert captions.tokens("Привет мир") == ["Привет", "мир"]


def test_known_text_takes_the_recognised_words_times_and_fills_the_gaps():
    heard = [Word(0.0, 0.4, " hello"), Word(0.5, 0.9, " word"), Word(1.5, 2.0, " today")]
    aligned = captions.align_text("Hello, world! How are you today?", heard)
    assert [w.text for w in aligned] == ["Hello,", "world!", "How", "are", "you", "today?"]
    assert aligned[0].start == 0.0 and aligned[-1].start == 1.5
    # "world" was misheard as "word": it and the unheard words share the time between "hello" and "today".
    middle = aligned[1:5]
    assert middle[0].start == pytest.approx(0.4) and middle[-1].end == pytest.approx(1.5)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(aligned, aligned[1:], strict=False))


def test_cues_fit_the_frame_width_and_break_at_sentences_and_pauses():
    words = timed("This is a fairly long sentence that will certainly not fit on a single narrow line. Next one.")
    cue_list = captions.cues(words, style(), frame_width=480)
    f = captions.font("en", 40)
    for cue in cue_list:
        assert 1 <= len(cue.lines) <= captions.MAX_LINES
        for line in cue.lines:
            assert f.getlength(line) <= captions.LINE_WIDTH_SHARE * 480
    assert any(c.lines[-1].endswith("line.") for c in cue_list)  # the sentence ends a cue
    assert cue_list[-1].lines == ("Next one.",)
    paused = [Word(0.0, 0.3, "one"), Word(2.0, 2.3, "two")]
    assert len(captions.cues(paused, style(), 480)) == 2
    assert all(a.end <= b.start for a, b in zip(cue_list, cue_list[1:], strict=False))


@pytest.mark.parametrize("language,text", [("en", "Hamburg"), ("ru", "Москва"), ("zh", "北京欢迎你"),
                                           ("ja", "ひらがなカタカナ漢字"), ("de", "Größe")])
def test_every_promised_script_is_drawn_with_real_glyphs(language, text):
    f = captions.font(language, 48)
    # A missing glyph draws the same "tofu" box for every character: real glyphs differ.
    masks = [np.asarray(f.getmask(ch)) for ch in text if not ch.isspace()]
    shapes = {(m.shape, m.tobytes()) for m in masks}
    assert len(shapes) == len(set(text)), f"{language}: some characters drew the same box"
    tofu = np.asarray(f.getmask("\U000E0001"))  # a code point no font covers
    assert all(m.shape != tofu.shape or m.tobytes() != tofu.tobytes() for m in masks)


def test_the_burner_draws_only_while_a_cue_shows_and_where_the_position_says():
    size = (320, 240)
    burner = captions.Burner([Cue(("Hi there",), 1.0, 2.0)], style(px=30), size)
    frame = np.zeros((240, 320, 3), np.uint8)
    assert burner.apply(frame, 0.5) is frame
    drawn = burner.apply(frame, 1.5)
    rows = np.nonzero(drawn.max(axis=(1, 2)) > 200)[0]
    assert rows.size and rows.min() > 240 * 0.6  # near the bottom (position 0.85)
    assert burner.apply(frame, 2.5) is frame
