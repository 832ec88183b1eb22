"""The pieces of a Kokoro clone: the stock voices' table, the blend's weights, the tone curve."""

from __future__ import annotations

import numpy as np
import pytest

from videotwin.inference.kokoro import Kokoro
from videotwin.speech import clone, tone, voices


def test_the_stock_table_is_what_the_voices_sound_like_now(models):
    """The precomputed embeddings steer every clone: if the model, the voices, the comparison text or
    the embedder changed, scripts/kokoro-stock-embeddings.py must be run again."""
    table = clone.stock_embeddings()
    kokoro_names = {v.engine_voice for v in voices.VOICES if v.engine == "kokoro"}
    assert set(table) == kokoro_names
    for voice_id in ("en-US-af_heart", "zh-CN-zm_yunxi"):
        voice = voices.get(voice_id)
        audio = clone.speak_eval(models, voice.engine_voice, voice.language, voice.phonemes)
        now = clone.embed(models, audio, Kokoro.SAMPLE_RATE)
        assert float(now @ table[voice.engine_voice]) > 0.97, voice_id


def test_blend_weights_stay_on_the_simplex_and_find_the_closest_mix():
    rng = np.random.default_rng(7)
    basis = rng.normal(size=(5, 32))
    basis /= np.linalg.norm(basis, axis=1, keepdims=True)
    target = 0.6 * basis[1] + 0.4 * basis[3]
    w = clone._best_weights(basis, target / np.linalg.norm(target))
    assert w.min() >= 0 and abs(w.sum() - 1) < 1e-9
    assert w[1] > 0.5 and w[3] > 0.3, w
    for v in (rng.normal(size=6) * 3, np.array([5.0, -2, 0, 0, 0, 0])):
        p = clone._onto_simplex(v)
        assert p.min() >= 0 and abs(p.sum() - 1) < 1e-9


@pytest.mark.parametrize("tilt_db", [-9.0, 6.0])
def test_the_tone_curve_gives_a_voice_the_speakers_colour(tilt_db):
    """A duller or brighter copy of the same sound: the curve learns the tilt, and applying it to the
    original brings the original's spectrum to the copy's."""
    sr = 24_000
    rng = np.random.default_rng(1)
    t = np.arange(sr * 3) / sr
    voice = (0.3 * np.sin(2 * np.pi * 140 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
             + 0.05 * rng.normal(size=t.size)).astype(np.float32)
    hz = np.asarray(tone.TONE_HZ)
    tilt = tuple(float(v) for v in np.linspace(-tilt_db / 2, tilt_db / 2, hz.size))
    speaker = tone.apply(voice, sr, tilt)
    learned = np.asarray(tone.curve(speaker, sr, voice, sr))
    want = np.asarray(tilt) - np.mean(tilt)
    band = (hz > 200) & (hz < 8000)
    assert np.abs(learned[band] - want[band]).mean() < 1.5, learned
    matched = tone.apply(voice, sr, tuple(learned))
    before = np.abs(np.asarray(tone.curve(speaker, sr, voice, sr))[band]).mean()
    after = np.abs(np.asarray(tone.curve(speaker, sr, matched, sr))[band]).mean()
    assert after < before / 3, (before, after)


def test_a_language_with_few_voices_borrows_its_neighbours_to_blend():
    french = clone.candidates("fr")
    assert "ff_siwis" in french and "em_alex" in french and "pm_alex" in french
    assert not any(name[0] in "ab" for name in french)
    assert all(name[0] == "z" for name in clone.candidates("zh"))
    assert "af_nicole" not in clone.candidates("en") and "am_santa" not in clone.candidates("en")
