"""The public voices videotwin really has, labelled honestly, and the languages they speak."""

from __future__ import annotations

from dataclasses import dataclass

# Language code -> (language label, region code, region label). The A2E "country" field carries the
# language code and "region" the region, e.g. country=en region=US.
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "en": ("English", "US", "United States"), "ja": ("Japanese", "JP", "Japan"), "zh": ("Chinese", "CN", "China"),
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
# Kokoro's voices (kokoro-js, inference/kokoro_voices.py): name -> label. The name's first letter is
# its language (KOKORO_LANGUAGE), its second its gender (f, m).
KOKORO_VOICES = {
    "af_alloy": "Alloy", "af_aoede": "Aoede", "af_bella": "Bella", "af_heart": "Heart", "af_jessica": "Jessica",
    "af_kore": "Kore", "af_nicole": "Nicole (whispering)", "af_nova": "Nova", "af_river": "River", "af_sarah": "Sarah",
    "af_sky": "Sky", "am_adam": "Adam", "am_echo": "Echo", "am_eric": "Eric", "am_fenrir": "Fenrir", "am_liam": "Liam",
    "am_michael": "Michael", "am_onyx": "Onyx", "am_puck": "Puck", "am_santa": "Santa (a Father Christmas voice)",
    "bf_alice": "Alice", "bf_emma": "Emma", "bf_isabella": "Isabella", "bf_lily": "Lily", "bm_daniel": "Daniel",
    "bm_fable": "Fable", "bm_george": "George", "bm_lewis": "Lewis",
    "ef_dora": "Dora", "em_alex": "Alex", "em_santa": "Santa (a Father Christmas voice)",
    "ff_siwis": "Siwis",
    "hf_alpha": "Alpha", "hf_beta": "Beta", "hm_omega": "Omega", "hm_psi": "Psi",
    "if_sara": "Sara", "im_nicola": "Nicola",
    "jf_alpha": "Alpha", "jf_gongitsune": "Gongitsune", "jf_nezumi": "Nezumi", "jf_tebukuro": "Tebukuro",
    "jm_kumo": "Kumo",
    "pf_dora": "Dora", "pm_alex": "Alex", "pm_santa": "Santa (a Father Christmas voice)",
    "zf_xiaobei": "Xiaobei", "zf_xiaoni": "Xiaoni", "zf_xiaoxiao": "Xiaoxiao", "zf_xiaoyi": "Xiaoyi",
    "zm_yunjian": "Yunjian", "zm_yunxi": "Yunxi", "zm_yunxia": "Yunxia", "zm_yunyang": "Yunyang",
}
# A Kokoro voice's first letter -> (language, region, the phonemes it reads: kokoro_g2p.LANGUAGES).
KOKORO_LANGUAGE = {
    "a": ("en", "US", "en-us"), "b": ("en", "GB", "en-gb"), "e": ("es", "ES", "es"), "f": ("fr", "FR", "fr"),
    "h": ("hi", "IN", "hi"), "i": ("it", "IT", "it"), "j": ("ja", "JP", "ja"), "p": ("pt", "BR", "pt"),
    "z": ("zh", "CN", "zh"),
}
REGION_NAMES = {"GB": "United Kingdom"}
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
    region: str = ""  # default: the language's (LANGUAGES)
    # Phonemes a Kokoro voice reads (kokoro_g2p.LANGUAGES); empty for the other engines.
    phonemes: str = ""

    def __post_init__(self) -> None:
        if not self.region:
            object.__setattr__(self, "region", LANGUAGES[self.language][1])


def _build() -> tuple[PublicVoice, ...]:
    voices = [
        PublicVoice("en-US-joe", "Joe (English, neural, male)", "en", "male", "piper", "joe", "neural"),
        PublicVoice("en-US-jo", "Jo (English, neural, female: Joe's voice moved to a female range)", "en",
                    "female", "piper", "joe", "neural", FEMALE_TARGET_F0_HZ, FEMALE_FORMANT_RATIO),
    ]
    for name, label in KOKORO_VOICES.items():
        lang, region, phonemes = KOKORO_LANGUAGE[name[0]]
        gender = "female" if name[1] == "f" else "male"
        place = LANGUAGES[lang][0] + (f" {region}" if lang == "en" else "")
        voices.append(PublicVoice(f"{lang}-{region}-{name}", f"{label} ({place}, neural, {gender})", lang, gender,
                                  "kokoro", name, "neural", region=region, phonemes=phonemes))
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
    """The voice a clone is built on: a Kokoro voice where the language has one (a clone is a blend of
    Kokoro styles), else a neural voice as it comes out of its model (not already shifted, since the
    clone sets pitch and formants itself), else a formant voice; the speaker's gender first."""
    ranked = sorted(for_language(language),
                    key=lambda v: (v.engine != "kokoro", v.quality != "neural", v.target_f0_hz is not None,
                                   v.gender != gender))
    return ranked[0] if ranked else None
