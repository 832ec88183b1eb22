"""Text language detection with lingua, built for the languages videotwin can speak or meets most."""

from __future__ import annotations

import threading

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# Languages the detector knows. Each costs memory; these cover every voice we have and more.
DETECTED = (
    "ENGLISH", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH", "RUSSIAN", "UKRAINIAN",
    "POLISH", "CZECH", "TURKISH", "SWEDISH", "DANISH", "FINNISH", "GREEK", "ROMANIAN", "HUNGARIAN",
    "JAPANESE", "CHINESE", "KOREAN", "ARABIC", "HEBREW", "HINDI", "VIETNAMESE", "INDONESIAN", "THAI",
    "PERSIAN", "BOKMAL",
)
_lock = threading.Lock()
_detector: LanguageDetector | None = None


def detector() -> LanguageDetector:
    global _detector
    with _lock:
        if _detector is None:
            langs = [getattr(Language, name) for name in DETECTED]
            _detector = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()
        return _detector


def detect(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, confidence 0..1) of the most likely language, or (None, 0) if undecidable."""
    values = detector().compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
        return None, 0.0
    top = values[0]
    return top.language.iso_code_639_1.name.lower(), float(top.value)
