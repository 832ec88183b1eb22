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
# What a voice says at its sample link (anchor/voice_list's sample_url): one short greeting per
# language, not a benchmark sentence (bench/speech_sentences.py are held out).
SAMPLE_TEXT = {
    "en": "Hello, this is how I sound. I can read your text aloud.",
    "ja": "こんにちは。私の声はこんな感じです。",
    "zh": "你好，这是我的声音。我可以为你朗读文字。",
    "de": "Hallo, so klingt meine Stimme. Ich lese Ihnen Ihren Text vor.",
    "fr": "Bonjour, voici ma voix. Je peux lire votre texte à haute voix.",
    "es": "Hola, así suena mi voz. Puedo leer tu texto en voz alta.",
    "it": "Ciao, questa è la mia voce. Posso leggere il tuo testo ad alta voce.",
    "pt": "Olá, esta é a minha voz. Posso ler o seu texto em voz alta.",
    "ru": "Здравствуйте, так звучит мой голос. Я могу прочитать ваш текст вслух.",
    "ko": "안녕하세요, 제 목소리는 이렇습니다. 글을 소리 내어 읽어 드릴게요.",
    "nl": "Hallo, zo klinkt mijn stem. Ik kan je tekst voorlezen.",
    "pl": "Dzień dobry, tak brzmi mój głos. Mogę przeczytać twój tekst na głos.",
    "tr": "Merhaba, sesim böyle. Metninizi sesli okuyabilirim.",
    "sv": "Hej, så här låter min röst. Jag kan läsa upp din text.",
    "uk": "Привіт, так звучить мій голос. Я можу прочитати ваш текст вголос.",
    "ar": "مرحبا، هذا هو صوتي. يمكنني أن أقرأ نصك بصوت عال.",
    "hi": "नमस्ते, यह मेरी आवाज़ है। आपका स्वागत है।",
    "vi": "Xin chào, đây là giọng nói của tôi. Tôi có thể đọc văn bản của bạn.",
    "id": "Halo, beginilah suara saya. Saya bisa membacakan teks Anda.",
    "cs": "Dobrý den, takhle zní můj hlas. Mohu vám přečíst váš text.",
    "el": "Γεια σας, έτσι ακούγεται η φωνή μου. Μπορώ να διαβάσω το κείμενό σας.",
    "fi": "Hei, tältä minun ääneni kuulostaa. Voin lukea tekstisi ääneen.",
    "da": "Hej, sådan lyder min stemme. Jeg kan læse din tekst højt.",
    "ro": "Bună ziua, așa sună vocea mea. Pot să vă citesc textul cu voce tare.",
    "hu": "Szia, így szól a hangom. Fel tudom olvasni a szövegedet.",
}
# Formant voices that Whisper base mostly does not understand: language -> the measured error rate
# (WER; CER for Korean), the mean over both voices' ten held-out sentences in bench/speech.py
# (bench/results/speech.json, intelligibility.summary.formant_not_understood). Above
# UNINTELLIGIBLE_ABOVE they are labelled so; a listener may still follow them, but expect many words
# to be misheard. Whisper base is itself weak in some of these languages: the figure is what it heard.
UNINTELLIGIBLE_ABOVE = 0.5
FORMANT_NOT_UNDERSTOOD: dict[str, float] = {
    "de": 0.666, "fr": 0.902, "it": 0.51, "pt": 0.671, "ru": 0.99, "ko": 0.864, "nl": 0.842, "pl": 0.83,
    "tr": 0.974, "sv": 0.84, "uk": 1.004, "ar": 1.13, "hi": 1.091, "vi": 0.777, "cs": 0.907, "el": 0.834,
    "fi": 1.002, "da": 0.873, "ro": 1.086, "hu": 0.904,
}
# Spanish (0.462) and Indonesian (0.453) stayed under it: robotic, mostly understood.
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
    # False for the formant voices Whisper base mostly does not understand (FORMANT_NOT_UNDERSTOOD).
    intelligible: bool = True

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
        clear = FORMANT_NOT_UNDERSTOOD.get(lang, 0.0) <= UNINTELLIGIBLE_ABOVE
        kind = "espeak-ng formant synthesis, robotic" + ("" if clear else ", often not understood")
        for gender, variant in (("male", ""), ("female", ESPEAK_FEMALE_VARIANT)):
            voices.append(PublicVoice(f"{lang}-{region}-espeak-{gender[0]}", f"{name} ({kind}, {gender})", lang, gender,
                                      "espeak", ev + variant, "formant", intelligible=clear))
    return tuple(voices)


VOICES: tuple[PublicVoice, ...] = _build()
BY_ID = {v.id: v for v in VOICES}


def get(voice_id: str) -> PublicVoice | None:
    return BY_ID.get(voice_id)


def sample_text(language: str) -> str:
    return SAMPLE_TEXT[language]


def region_label(language: str, region: str) -> str:
    """The name of a region, as language_list shows it (United States, United Kingdom...)."""
    own_region, own_label = LANGUAGES[language][1:]
    return own_label if region == own_region else REGION_NAMES.get(region, region)


def regions(language: str) -> list[str]:
    """The regions a language's voices speak for (English: US and GB), the language's own first."""
    found = dict.fromkeys(v.region for v in VOICES if v.language == language)
    return sorted(found, key=lambda r: r != LANGUAGES[language][1])


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
