"""Speech -> mouth opening without training on faces: Whisper's word timings, espeak-ng's phonemes
spread inside each word, and how open the mouth is for each sound (the IPA vowel chart's height;
lips closed for p/b/m). Speaker-independent by construction, in any language both tools know."""

from __future__ import annotations

import numpy as np

from videotwin.inference import espeak

# Mouth opening per IPA symbol, 0 (lips closed) .. 1 (wide open): vowel height sets the jaw.
OPEN_VOWELS = "aɑæɐɒ"
OPEN_MID_VOWELS = "ɛɔʌœɜɞ"
MID_VOWELS = "əɘɵeoøɤ"
CLOSE_VOWELS = "iuyɪʊɨɯʏʉ"
BILABIAL = "pbmɸβw"
LABIODENTAL = "fvɱʋ"
OPENNESS: dict[str, float] = {}
for chars, value in ((OPEN_VOWELS, 1.0), (OPEN_MID_VOWELS, 0.78), (MID_VOWELS, 0.58), (CLOSE_VOWELS, 0.35),
                     (BILABIAL, 0.0), (LABIODENTAL, 0.12), ("hɦ", 0.45), ("ɹrɾlɫ", 0.3), ("jɥ", 0.3),
                     ("kgŋxɣqɢχʁ", 0.32), ("tdnszθðʃʒʂʐɕʑçʝɲɳɖʈɭ", 0.22)):
    for ch in chars:
        OPENNESS[ch] = value
VOWELS = set(OPEN_VOWELS + OPEN_MID_VOWELS + MID_VOWELS + CLOSE_VOWELS)
# Vowels last longer than consonants inside a word.
VOWEL_WEIGHT = 1.8
# Coarticulation: the mouth moves smoothly between targets (Gaussian, seconds).
COARTICULATION_SIGMA_SECONDS = 0.035
# The lips move slightly before the sound they shape is heard.
ANTICIPATION_SECONDS = 0.02


def phoneme_symbols(word: str, voice: str) -> list[str]:
    """The IPA symbols of one word that shape the mouth (stress and length marks dropped)."""
    ipa = "".join(espeak.phonemize(word, voice))
    return [ch for ch in ipa if ch in OPENNESS]


def openness_track(words: list[tuple[float, float, str]], voice: str, fps: float, n_frames: int) -> np.ndarray:
    """Mouth opening per video frame from (start s, end s, word) triples."""
    resolution = 200.0  # samples per second of the fine track
    fine = np.zeros(int(np.ceil(n_frames / fps * resolution)) + 1, np.float32)
    for start, end, text in words:
        symbols = phoneme_symbols(text, voice)
        if not symbols or end <= start:
            continue
        weights = np.array([VOWEL_WEIGHT if s in VOWELS else 1.0 for s in symbols])
        edges = start + (end - start) * np.concatenate([[0], np.cumsum(weights) / weights.sum()])
        for sym, a, b in zip(symbols, edges[:-1], edges[1:], strict=True):
            i0 = max(0, int((a - ANTICIPATION_SECONDS) * resolution))
            i1 = max(i0 + 1, int((b - ANTICIPATION_SECONDS) * resolution))
            fine[i0:i1] = OPENNESS[sym]
    sigma = COARTICULATION_SIGMA_SECONDS * resolution
    radius = int(3 * sigma)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    smooth = np.convolve(fine, kernel / kernel.sum(), mode="same")
    centres = ((np.arange(n_frames) + 0.5) / fps * resolution).astype(int)
    return smooth[np.clip(centres, 0, len(smooth) - 1)]
