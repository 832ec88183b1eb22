"""The public voices videotwin really has, labelled honestly, and the languages they speak."""

from __future__ import annotations

from dataclasses import dataclass

# Language code -> (language label, region code, region label). The A2E "country" field carries the
# language code and "region" the region, e.g. country=en region=US.
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "en": ("English", "US", "United States"), "ja": ("Japanese", "JP", "Japan"),
    "de": ("German", "DE", "Germany"),
    "fr": ("French", "FR", "France"), "es": ("Spanish", "ES", "Spain"), "it": ("Italian", "IT", "Italy"),
    "pt": ("Portuguese", "BR", "Brazil"), "ru": ("Russian", "RU", "Russia"), "ko": ("Korean", "KR", "Korea"),
    "nl": ("Dutch", "NL", "Netherlands"), "pl": ("Polish", "PL", "Poland"), "tr": ("Turkish", "TR", "Turkey"),
    "sv": ("Swedish", "SE", "Sweden"), "uk": ("Ukrainian", "UA", "Ukraine"), "ar": ("Arabic", "SA", "Saudi Arabia"),
    "hi": ("Hindi", "IN", "India"), "vi": ("Vietnamese", "VN", "Vietnam"), "id": ("Indonesian", "ID", "Indonesia"),
    "cs": ("Czech", "CZ", "Czechia"), "el": ("Greek", "GR", "Greece"), "fi": ("Finnish", "FI", "Finland"),
    "da": ("Danish", "DK", "Denmark"), "ro": ("Romanian", "RO", "Romania"), "hu": ("Hungarian", "HU", "Hungary"),
}
# espeak-ng voice per language for the formant voices (a language without a neural voice).
# No Chinese: Debian's espeak-ng reads hanzi as pinyin spelled out in English (its cmn dictionary
# lacks the word list), and Whisper recognised nothing of its Cantonese (bench/speech.py, CER > 1).
ESPEAK_VOICES = {
    "de": "de", "fr": "fr-fr", "es": "es", "it": "it", "pt": "pt-br", "ru": "ru", "ko": "ko",
    "nl": "nl", "pl": "pl", "tr": "tr", "sv": "sv", "uk": "uk", "ar": "ar", "hi": "hi", "vi": "vi", "id": "id",
    "cs": "cs", "el": "el", "fi": "fi", "da": "da", "ro": "ro", "hu": "hu",
}
# espeak-ng's female variant.
ESPEAK_FEMALE_VARIANT = "+f3"
# The female English voice: Joe moved to a typical adult female pitch and vocal-tract length.
FEMALE_TARGET_F0_HZ = 210.0
FEMALE_FORMANT_RATIO = 1.15


@dataclass(frozen=True)
class PublicVoice:
    id: str  # the tts_id clients send
    label: str
    language: str  # ISO 639-1
    gender: str  # male | female
    engine: str  # piper | kokoro | espeak
    engine_voice: str
    quality: str  # neural | formant
    # For the shifted voices: target mean F0 (Hz) and formant ratio, applied with WORLD.
    target_f0_hz: float | None = None
    formant_ratio: float = 1.0

    @property
    def region(self) -> str:
        return LANGUAGES[self.language][1]


def _build() -> tuple[PublicVoice, ...]:
    voices = [
        PublicVoice("en-US-joe", "Joe (English, neural, male)", "en", "male", "piper", "joe", "neural"),
        PublicVoice("en-US-jo", "Jo (English, neural, female: Joe's voice moved to a female range)", "en",
                    "female", "piper", "joe", "neural", FEMALE_TARGET_F0_HZ, FEMALE_FORMANT_RATIO),
        PublicVoice("ja-JP-jf_alpha", "Alpha (Japanese, neural, female)", "ja", "female", "kokoro", "jf_alpha",
                    "neural"),
        PublicVoice("ja-JP-jf_gongitsune", "Gongitsune (Japanese, neural, female)", "ja", "female", "kokoro",
                    "jf_gongitsune", "neural"),
        PublicVoice("ja-JP-jf_nezumi", "Nezumi (Japanese, neural, female)", "ja", "female", "kokoro", "jf_nezumi",
                    "neural"),
        PublicVoice("ja-JP-jf_tebukuro", "Tebukuro (Japanese, neural, female)", "ja", "female", "kokoro",
                    "jf_tebukuro", "neural"),
        PublicVoice("ja-JP-jm_kumo", "Kumo (Japanese, neural, male)", "ja", "male", "kokoro", "jm_kumo", "neural"),
    ]
    for lang, ev in ESPEAK_VOICES.items():
        name = LANGUAGES[lang][0]
        region = LANGUAGES[lang][1]
        voices.append(PublicVoice(f"{lang}-{region}-espeak-m", f"{name} (espeak-ng formant synthesis, robotic, male)",
                                  lang, "male", "espeak", ev, "formant"))
        voices.append(PublicVoice(f"{lang}-{region}-espeak-f",
                                  f"{name} (espeak-ng formant synthesis, robotic, female)", lang, "female", "espeak",
                                  ev + ESPEAK_FEMALE_VARIANT, "formant"))
    return tuple(voices)


VOICES: tuple[PublicVoice, ...] = _build()
BY_ID = {v.id: v for v in VOICES}


def get(voice_id: str) -> PublicVoice | None:
    return BY_ID.get(voice_id)


def for_language(language: str, region: str | None = None) -> list[PublicVoice]:
    lang = language.split("-")[0].lower()
    return [v for v in VOICES if v.language == lang and (region is None or v.region.lower() == region.lower())]


def default_voice(language: str, gender: str) -> PublicVoice | None:
    """The best voice for a language and gender: neural before formant, same gender first."""
    ranked = sorted(for_language(language), key=lambda v: (v.quality != "neural", v.gender != gender))
    return ranked[0] if ranked else None


def clone_base(language: str, gender: str) -> PublicVoice | None:
    """The voice a clone is built on: a neural voice as it comes out of its model (not already shifted,
    since the clone sets pitch and formants itself), the speaker's gender first."""
    ranked = sorted(for_language(language),
                    key=lambda v: (v.quality != "neural", v.target_f0_hz is not None, v.gender != gender))
    return ranked[0] if ranked else None
