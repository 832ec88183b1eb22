"""Which writing system a text is in, so a voice is never handed text in a script it cannot read."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# Voice language -> scripts its text may use (Unicode character-name prefixes).
LANGUAGE_SCRIPTS: dict[str, tuple[str, ...]] = {
    "ja": ("CJK", "HIRAGANA", "KATAKANA"), "yue": ("CJK",), "zh": ("CJK",), "ko": ("HANGUL",),
    "ru": ("CYRILLIC",), "uk": ("CYRILLIC",), "ar": ("ARABIC",), "hi": ("DEVANAGARI",), "el": ("GREEK",),
}
LATIN = ("LATIN",)


def script_of(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for prefix in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "CYRILLIC", "ARABIC", "DEVANAGARI", "GREEK", "LATIN",
                   "HEBREW", "THAI"):
        if name.startswith(prefix):
            return prefix
    return "OTHER"


def share_in_scripts(text: str, scripts: tuple[str, ...]) -> float:
    """Fraction of the letters of `text` written in `scripts` (1.0 when it has no letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    return sum(script_of(ch) in scripts for ch in letters) / len(letters)


def scripts_for(language: str) -> tuple[str, ...]:
    return LANGUAGE_SCRIPTS.get(language, LATIN)


def dominant_script(text: str) -> str:
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            s = script_of(ch)
            counts[s] = counts.get(s, 0) + 1
    return max(counts, key=counts.get) if counts else "OTHER"


# Refuse Latin-script text in another language only when the detector is this sure and has this many
# words to go on: names and loanwords in short texts must not be refused.
LANGUAGE_CONFIDENCE = 0.9
LANGUAGE_MIN_WORDS = 4


def language_problem(text: str, language: str, detect: Callable[[str], tuple[str | None, float]]) -> str | None:
    """Why a voice speaking `language` cannot read `text`, or None if it can. `detect(text)` gives the
    text's language and the detector's confidence (inference/langid.py; asked only for longer Latin text)."""
    wanted = scripts_for(language)
    if share_in_scripts(text, wanted) < 0.5:
        return (f"the text is mostly in {dominant_script(text).title()} script, which a {language!r} voice cannot "
                "read; choose a voice for the text's language")
    if wanted == LATIN and len(text.split()) >= LANGUAGE_MIN_WORDS:
        detected, confidence = detect(text)
        if detected and detected != language and confidence >= LANGUAGE_CONFIDENCE:
            return (f"the text looks like {detected!r} (confidence {confidence:.2f}), but the voice speaks "
                    f"{language!r}; choose a voice for the text's language")
    return None
