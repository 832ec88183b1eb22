"""Speech building blocks on real models: voices, scripts, joining, cloning's fit, denoising."""

from __future__ import annotations

import numpy as np
import pytest

from videotwin.speech import clone, scripts, voices
from videotwin.speech.metrics import cer, wer
from videotwin.speech.tts import join, shift_voice, split_sentences


def test_every_public_voice_has_a_known_language_and_a_unique_id():
    assert len({v.id for v in voices.VOICES}) == len(voices.VOICES)
    assert all(v.language in voices.LANGUAGES for v in voices.VOICES)


def test_english_has_a_neural_male_and_a_neural_female_voice():
    english = voices.for_language("en")
    assert {v.gender for v in english if v.quality == "neural"} == {"male", "female"}
    assert voices.default_voice("en", "female").gender == "female"


def test_formant_voices_are_labelled_as_robotic():
    assert all("robotic" in v.label for v in voices.VOICES if v.engine == "espeak")


def test_the_formant_voices_whisper_mostly_did_not_understand_are_labelled_so_as_measured():
    """The labels follow the committed benchmark (bench/results/speech.json): a rerun whose figures
    move a language across the line fails here until speech/voices.py is brought up to date."""
    import json
    from pathlib import Path

    results = Path(__file__).resolve().parents[2] / "bench" / "results" / "speech.json"
    measured = json.loads(results.read_text())["intelligibility"]["summary"]["formant_not_understood"]
    assert voices.FORMANT_NOT_UNDERSTOOD == measured
    for v in voices.VOICES:
        hard = v.engine == "espeak" and v.language in measured
        assert v.intelligible is not hard and ("often not understood" in v.label) is hard, v.id
    assert all(rate > voices.UNINTELLIGIBLE_ABOVE for rate in measured.values())


def test_languages_list_every_region_their_voices_speak_for():
    assert voices.regions("en") == ["US", "GB"] and voices.region_label("en", "GB") == "United Kingdom"
    assert voices.regions("zh") == ["CN"] and voices.regions("pt") == ["BR"]
    assert {v.region for v in voices.for_language("en", "GB")} == {"GB"} and len(voices.for_language("en", "GB")) == 8


def test_every_language_has_a_sample_sentence_that_reads_as_that_language(models):
    from videotwin.inference.langid import LanguageDetector

    for lang in voices.LANGUAGES:
        text = voices.sample_text(lang)
        assert models.predict(LanguageDetector, text)[0] == lang, (lang, text)


@pytest.mark.parametrize("text,language,refused", [
    ("こんにちは、今日はいい天気ですね。", "en", True),
    ("Hello, how are you doing today?", "ja", True),
    ("Guten Morgen, wie geht es Ihnen heute an diesem schönen Tag?", "en", True),
    ("Привет, как дела?", "de", True),
    ("Hello, how are you doing today?", "en", False),
    ("Meet Jürgen at the café.", "en", False),
    ("今日はいい天気ですね。", "ja", False),
])
def test_text_in_a_language_the_voice_cannot_speak_is_refused(text, language, refused, models):
    from videotwin.inference.langid import LanguageDetector

    def detect(words):
        return models.predict(LanguageDetector, words)

    assert (scripts.language_problem(text, language, detect) is not None) is refused


def test_sentences_are_split_at_their_ends_in_latin_and_cjk_text():
    assert split_sentences("Hello there. How are you? Fine!") == ["Hello there.", "How are you?", "Fine!"]
    assert split_sentences("こんにちは。元気ですか？") == ["こんにちは。", "元気ですか？"]
    assert split_sentences("...") == []


def test_joined_sentences_have_no_jump_at_any_seam():
    sr = 22050
    t = np.arange(sr // 2) / sr
    loud = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)  # ends mid-wave: a click if cut raw
    out = join([loud, loud, loud], sr)
    assert np.max(np.abs(np.diff(out))) < 0.07  # a sine of 220 Hz at 0.5 moves at most 0.031 per sample
    assert out[0] == 0 and out[-1] == 0


def test_error_rates_ignore_case_and_punctuation():
    assert wer("Hello, world!", "hello world") == 0
    assert wer("one two three four", "one two four") == 0.25
    assert cer("今日はいい天気", "今日はいい天気。") == 0
    assert wer("मेरा भाई", "\u202b \u202b \u202b") == 1  # invisible marks are no words


def test_error_rates_fold_spellings_that_sound_the_same():
    assert wer("Ещё одно", "еще одно") == 0  # Russian ё written е
    assert wer("Așa e", "Aşa e") == 0  # Romanian comma below written as a cedilla
    assert wer("ताज़ी ब्रेड", "ताजी ब्रेड") == 0  # Hindi nukta left out
    assert wer("des œufs", "des oeufs") == 0  # French ligature typed as two letters
    assert wer("ताज़ी ब्रेड", "ताजा ब्रेड") == 0.5  # another word is still wrong


def test_mandarin_is_scored_in_simplified_characters_and_japanese_as_written():
    from videotwin.speech.metrics import error_rate

    assert error_rate("zh", "今天天气很好。", "今天天氣很好") == 0  # Whisper's traditional characters
    assert error_rate("zh", "今天天气很好", "今天天氣不好") == 1 / 6
    assert error_rate("ja", "東京", "东京") == 0.5  # Japanese kanji are not Chinese simplified ones
    assert error_rate("ko", "빵을 팝니다", "빵을팝니다") == 0  # Korean by characters: spacing is free
    assert error_rate("en", "fresh bread", "fresh bred") == 0.5


@pytest.fixture(scope="module")
def synth(models):
    from videotwin.speech.tts import Synthesizer

    return Synthesizer(models)


def test_the_female_english_voice_is_higher_than_the_male_one(synth):
    from videotwin.speech import world

    text = "Every morning the baker opens the shop and sells fresh bread to the neighbours."
    male, sr = synth.synthesize(text, voices.get("en-US-joe"))
    female, _ = synth.synthesize(text, voices.get("en-US-jo"))
    f0_m = np.exp(world.log_f0_stats(world.analyse(male, sr).f0)[0])
    f0_f = np.exp(world.log_f0_stats(world.analyse(female, sr).f0)[0])
    assert f0_f > f0_m + 25 and 180 < f0_f < 250


def test_cloning_recovers_a_known_pitch_and_formant_shift(synth):
    base_voice = voices.get("en-US-joe")
    base = clone.base_stats(synth, base_voice)
    text = clone.CALIBRATION_TEXT["en"]
    audio, sr = synth.synthesize(text, base_voice)
    target = shift_voice(audio, sr, float(np.log(180.0)), 0.2, 1.12, ())  # a made-up speaker
    fitted = clone.fit(clone.speaker_stats(target, sr), base)
    assert abs(fitted.formant_ratio - 1.12) <= 0.04
    assert abs(np.exp(fitted.log_f0_mean) - 180.0) < 12


def test_denoising_removes_most_of_added_noise(models):
    from tests.support.fixtures import fixture
    from videotwin.inference.denoise import DeepFilterNet
    from videotwin.media.audio import decode, rms_dbfs

    speech = decode(fixture("audio/a02_en_seedvc_s1.wav"), 22050, max_seconds=6)
    noise = (np.random.RandomState(0).randn(speech.size) * 0.03).astype(np.float32)
    cleaned = models.predict(DeepFilterNet, speech + noise, 22050)
    assert cleaned.size == speech.size
    assert rms_dbfs(cleaned - speech) < rms_dbfs(noise) - 3  # the residual is well below the noise


def test_every_formant_voice_exists_in_the_installed_espeak_ng():
    from videotwin.inference import espeak

    known = {v.language for v in espeak.voices()}
    assert {v.engine_voice.split("+")[0] for v in voices.VOICES if v.engine == "espeak"} <= known


def _loudness_and_peak(path, sample_rate):
    """Integrated loudness (LUFS, of the clip looped to 3 s so that a short one can be measured) and
    sample peak (dBFS) of an audio file."""
    import math
    import tempfile
    from pathlib import Path

    from videotwin.media.audio import _measure_loudness, decode, write_wav

    audio = decode(path, sample_rate)
    with tempfile.TemporaryDirectory() as tmp:
        looped = Path(tmp) / "looped.wav"
        write_wav(looped, np.tile(audio, math.ceil(3 * sample_rate / audio.size)), sample_rate)
        level = float(_measure_loudness(looped)["input_i"])
    return level, 20 * np.log10(np.abs(audio).max()), audio.size / sample_rate


@pytest.mark.parametrize("gain", [0.05, 0.9])  # quiet, as a voice may come out; and loud, near full scale
@pytest.mark.parametrize("seconds", [0.25, 0.35, 1.3, 2.9, 4.5])
def test_speech_of_any_length_is_normalised_to_the_target_loudness(seconds, gain, tmp_path):
    """A one-word clip (under 400 ms) measured -inf LUFS and ffmpeg's loudnorm refused it (a 500 from
    send_tts); one of 1-3 s came out near -35 LUFS. Real speech, cut to each length."""
    from tests.support.fixtures import fixture
    from videotwin.media.audio import TARGET_LUFS, TARGET_TRUE_PEAK_DB, decode, encode_normalized

    sr = 22_050
    speech = decode(fixture("audio/a08_en_f5_nature.wav"), sr)[int(0.3 * sr):]
    clip = speech[:int(seconds * sr)] * gain
    out = tmp_path / "out.mp3"
    encode_normalized(clip, sr, out)
    level, peak, length = _loudness_and_peak(out, sr)
    assert abs(length - seconds) < 0.1
    assert abs(level - TARGET_LUFS) <= 3.0, level
    assert peak <= TARGET_TRUE_PEAK_DB + 0.5, peak


def test_silence_is_written_as_it_is(tmp_path):
    from videotwin.media.audio import decode, encode_normalized

    out = tmp_path / "quiet.wav"
    encode_normalized(np.zeros(5000, np.float32), 22_050, out)
    assert np.abs(decode(out, 22_050)).max() == 0.0
