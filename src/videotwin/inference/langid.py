"""Text language detection with lingua, built for the languages videotwin can speak or meets most.

Loading it takes about 3 s and 600 MB (every language's n-gram models, preloaded so each call is
quick), which is why it runs in the model server and workers, never in an API process."""

from __future__ import annotations

from videotwin.inference.registry import Model

# Languages the detector knows. Each costs memory; these cover every voice we have and more.
DETECTED = (
    "ENGLISH", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH", "RUSSIAN", "UKRAINIAN",
    "POLISH", "CZECH", "TURKISH", "SWEDISH", "DANISH", "FINNISH", "GREEK", "ROMANIAN", "HUNGARIAN",
    "JAPANESE", "CHINESE", "KOREAN", "ARABIC", "HEBREW", "HINDI", "VIETNAMESE", "INDONESIAN", "THAI",
    "PERSIAN", "BOKMAL",
)


class LanguageDetector(Model):
    """predict(text) -> (ISO 639-1 code, confidence 0..1) of the most likely language, or (None, 0)."""

    NAME = "langid"

    def load(self) -> None:
        from lingua import Language, LanguageDetectorBuilder

        languages = [getattr(Language, name) for name in DETECTED]
        self._detector = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()

    def unload(self) -> None:
        self._detector = None

    def predict(self, text: str) -> tuple[str | None, float]:
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None, 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)
