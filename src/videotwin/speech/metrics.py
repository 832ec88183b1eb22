"""Intelligibility measures: word and character error rates after light normalisation."""

from __future__ import annotations

import unicodedata
from functools import cache

# Punctuation, symbols, separators and invisible format or control characters (Unicode categories P*,
# S*, Z*, C*; Whisper writes runs of U+202B now and then) become spaces; the apostrophe stays (it is
# part of words: don't, l'école). Letters, digits and combining marks stay: Devanagari's vowel signs
# are marks, and a pattern of "word characters" dropped them (ताजा and ताजी compared equal).
_APOSTROPHE = "'"
# Spellings that differ in writing but not in sound, folded so that a transcript is not charged for
# them: Russian е for ё (everyday Russian text omits the dots), the Romanian comma letters written
# with a cedilla (older keyboards and much of Whisper's training text), and the Hindi nukta (ज़ / ज),
# which everyday Hindi writing often leaves out; and French œ, which is often typed oe (oeufs).
_SAME_SOUND = str.maketrans({"ё": "е", "ş": "ș", "ţ": "ț", "\u093c": None, "œ": "oe"})
# Languages written without spaces between words, scored by characters: Japanese and Chinese; and
# Korean, whose word spacing varies from writer to writer (Korean recognition is scored by CER too).
CHARACTER_LANGUAGES = frozenset({"ja", "zh", "ko"})


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", _APOSTROPHE).translate(_SAME_SOUND)
    kept = (" " if unicodedata.category(ch)[0] in "PSZC" and ch != _APOSTROPHE else ch for ch in text)
    return " ".join("".join(kept).split())


def _edits(a: list, b: list) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
    return _edits(ref, hyp) / max(len(ref), 1)


def cer(reference: str, hypothesis: str) -> float:
    """For languages written without spaces (Japanese, Chinese)."""
    ref = normalise(reference).replace(" ", "")
    hyp = normalise(hypothesis).replace(" ", "")
    return _edits(list(ref), list(hyp)) / max(len(ref), 1)


def simplified(text: str) -> str:
    """Chinese text in simplified characters. Whisper base often writes Mandarin in traditional ones
    (天氣 for 天气): the same words, which a character error rate must not count as wrong. OpenCC's
    t2s table (the `opencc` package, Apache-2.0; a test and benchmark dependency)."""
    return _to_simplified().convert(text)


@cache
def _to_simplified():
    import opencc  # only where transcripts are scored (tests, benchmarks)

    return opencc.OpenCC("t2s")


def error_rate(language: str, reference: str, hypothesis: str) -> float:
    """The error rate a language is scored by: CER for CHARACTER_LANGUAGES (Chinese compared in
    simplified characters on both sides), else WER."""
    if language == "zh":
        reference, hypothesis = simplified(reference), simplified(hypothesis)
    if language in CHARACTER_LANGUAGES:
        return cer(reference, hypothesis)
    return wer(reference, hypothesis)
