"""Voice cloning without neural voice-conversion weights (none exist offline).

Where the language has Kokoro voices, a clone is a new Kokoro style: a blend of the stock voices'
style tables chosen so that the blend's speech comes as close as it can to the reference speaker by
a speaker embedder (inference/speaker.py), then refined with the speaker's pitch, formants and
recording colour where that brings it closer still (fit_kokoro).

Elsewhere (the formant voices' languages) the clone is WORLD-only: learn how the reference speaker
differs from a base voice and apply that to the base voice's speech. Learned, per speaker: the mean
and spread of log-F0 (pitch range), the formant ratio (vocal-tract length: the warp of the base
voice's average spectral envelope that best matches the speaker's), and an equaliser curve (what
differs after the warp: timbre, brightness, recording colour)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy import signal

from videotwin.inference.kokoro import Kokoro, Style
from videotwin.inference.registry import Model, ModelRegistry
from videotwin.inference.speaker import SpeakerEmbedder
from videotwin.speech import tone, voices, world
from videotwin.speech.tts import CloneProfile, Synthesizer, shift_voice
from videotwin.speech.voices import PublicVoice

# Speech a WORLD-only clone's base voice reads to describe itself (phonetically varied, about 20 s).
CALIBRATION_TEXT = {
    "en": ("The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
           "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. "
           "Rice is often served in round bowls. The juice of lemons makes fine punch. "
           "The box was thrown beside the parked truck. Four hours of steady work faced us."),
}
FORMANT_RATIOS = np.arange(0.80, 1.32, 0.01)
# Frequencies compared when fitting (Hz): below this is pitch, above it is mostly noise and codec.
FIT_LOW_HZ, FIT_HIGH_HZ = 150.0, 5000.0
EQ_POINTS = 48
EQ_LIMIT_DB = 9.0
EQ_SMOOTH_POINTS = 5
MIN_VOICED_FRAMES = 200  # 1 s of voiced speech at a 5 ms frame period


class ReferenceError(ValueError):
    """The reference speech cannot be learned from; the message says why."""


@dataclass(frozen=True)
class SpeakerStats:
    log_f0_mean: float
    log_f0_std: float
    mean_log_envelope: np.ndarray  # natural log power per bin, level-normalised
    sample_rate: int


def speaker_stats(audio: np.ndarray, sample_rate: int) -> SpeakerStats:
    a = world.analyse(audio, sample_rate)
    voiced = a.f0 > 0
    if voiced.sum() < MIN_VOICED_FRAMES:
        raise ReferenceError(f"only {voiced.sum() * world.FRAME_PERIOD_MS / 1000:.1f} s of voiced speech was found; "
                             "at least 1 s is needed")
    log_sp = np.log(np.maximum(a.sp[voiced], 1e-16))
    energy = log_sp.mean(axis=1)
    loud = log_sp[energy >= np.median(energy)]  # the louder half: vowels, not breath or reverb tails
    env = loud.mean(axis=0)
    mean, std = world.log_f0_stats(a.f0)
    return SpeakerStats(mean, std, env - env.mean(), sample_rate)


def _fit_band(stats: SpeakerStats) -> np.ndarray:
    bins = stats.mean_log_envelope.size
    hz = np.linspace(0, stats.sample_rate / 2, bins)
    return (hz >= FIT_LOW_HZ) & (hz <= FIT_HIGH_HZ)


def fit(reference: SpeakerStats, base: SpeakerStats) -> CloneProfile:
    """The formant ratio that best maps the base envelope onto the reference, then an EQ for the rest."""
    band = _fit_band(base)
    best_ratio, best_err = 1.0, np.inf
    for ratio in FORMANT_RATIOS:
        warped = np.log(world.warp_envelope(np.exp(base.mean_log_envelope)[None, :], float(ratio))[0])
        diff = reference.mean_log_envelope[band] - warped[band]
        err = float(np.mean((diff - diff.mean()) ** 2))
        if err < best_err:
            best_ratio, best_err = float(ratio), err
    warped = np.log(world.warp_envelope(np.exp(base.mean_log_envelope)[None, :], best_ratio)[0])
    diff_db = 10 * np.log10(np.e) * (reference.mean_log_envelope - warped)  # natural-log power -> dB
    diff_db -= diff_db[band].mean()
    points = np.interp(np.linspace(0, diff_db.size - 1, EQ_POINTS), np.arange(diff_db.size), diff_db)
    kernel = np.ones(EQ_SMOOTH_POINTS) / EQ_SMOOTH_POINTS
    smooth = np.convolve(np.pad(points, EQ_SMOOTH_POINTS // 2, mode="edge"), kernel, mode="valid")
    eq = tuple(float(v) for v in np.clip(smooth, -EQ_LIMIT_DB, EQ_LIMIT_DB))
    return CloneProfile(base_voice_id="", log_f0_mean=reference.log_f0_mean, log_f0_std=reference.log_f0_std,
                        formant_ratio=best_ratio, eq_db=eq)


def base_stats(synth: Synthesizer, voice: PublicVoice) -> SpeakerStats:
    # A formant voice of another language reads the English text: espeak-ng voices share one
    # synthesiser, so its pitch and average envelope are measured well enough from any speech.
    text = CALIBRATION_TEXT.get(voice.language, CALIBRATION_TEXT["en"])
    audio, sr = synth.synthesize(text, voice)
    return speaker_stats(audio, sr)


class VoiceCalibration(Model):
    """What a base voice sounds like (its SpeakerStats), measured once from its own calibration speech
    and kept like a model: variant = the public voice's id. predict() -> SpeakerStats."""

    NAME = "voice.calibration"

    def load(self) -> None:
        voice = voices.get(self.env.variant or "")
        if voice is None:
            raise ValueError(f"no public voice {self.env.variant!r} to calibrate")
        self.stats = base_stats(Synthesizer(self.env.registry), voice)

    def unload(self) -> None:
        self.stats = None

    def predict(self) -> SpeakerStats:
        return self.stats


# --- Kokoro clones: a blend of stock styles steered by a speaker embedder ---------------------------

# What a voice reads when it is compared with a speaker (about 7 s): varied sounds, no names.
EVAL_TEXT = {
    "en": "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
          "It is easy to tell the depth of a well.",
    "es": "El viento del norte sopla con fuerza sobre los campos. Mi hermana compró pan fresco en la panadería. "
          "Mañana iremos juntos al mercado.",
    "fr": "Le vent du nord souffle fort sur les champs. Ma sœur a acheté du pain frais à la boulangerie. "
          "Demain nous irons ensemble au marché.",
    "it": "Il vento del nord soffia forte sui campi. Mia sorella ha comprato il pane fresco dal fornaio. "
          "Domani andremo insieme al mercato.",
    "pt": "O vento do norte sopra forte sobre os campos. Minha irmã comprou pão fresco na padaria. "
          "Amanhã iremos juntos ao mercado.",
    "hi": "उत्तर की हवा खेतों पर तेज़ चल रही है। मेरी बहन ने बेकरी से ताज़ी रोटी खरीदी। कल हम साथ में बाज़ार जाएँगे।",
    "ja": "きょうは とても いい てんきです。 あさから こうえんを さんぽしました。 "
          "えきの まえで ともだちに あいました。",
    "zh": "北风在田野上吹得很猛。我妹妹在面包店买了新鲜的面包。明天我们一起去市场。",
}
# Each stock voice's embedding reading EVAL_TEXT in its own language, computed once by
# scripts/kokoro-stock-embeddings.py (tests/speech/test_clone_units.py checks it still holds).
STOCK_EMBEDDINGS = Path(__file__).resolve().parents[1] / "assets" / "kokoro" / "stock-embeddings.npz"
# The stock voices a blend starts from: the closest few to the speaker. A language with fewer voices
# than this borrows its neighbours' (a French man has only a French woman's voice to start from).
BLEND_VOICES = 5
MIN_CANDIDATES = 6
BORROW = {"fr": ("es", "pt", "it"), "it": ("es", "pt", "fr"), "es": ("pt", "it", "fr"), "pt": ("es", "it", "fr"),
          "hi": ("en",)}
# Voices no clone is built on: a whisper (the embedder likes its breath; a French clone of it was half
# not understood) and the Father Christmas voices.
NOT_BLENDED = frozenset({"af_nicole", "am_santa", "em_santa", "pm_santa"})
# Blends tried on the speaker after the stock voices (each one sentence group of speech, ~2-4 s).
BLEND_ROUNDS = 4
GRADIENT_STEPS, GRADIENT_RATE = 400, 0.5
# The clone's mean pitch may differ from the speaker's by this share at most.
PITCH_TOLERANCE = 0.08


@cache
def stock_embeddings() -> dict[str, np.ndarray]:
    with np.load(STOCK_EMBEDDINGS) as table:
        return {name: table[name] for name in table.files}


def embed(models: ModelRegistry, audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The speaker embedding of `audio` (at `sample_rate`)."""
    return models.predict(SpeakerEmbedder, _resample(audio, sample_rate, SpeakerEmbedder.SAMPLE_RATE))


def speak_eval(models: ModelRegistry, style: str | Style, language: str, phonemes: str) -> np.ndarray:
    """The comparison text in `language`, read with `style` (a stock voice's name or a blend)."""
    with models.use(Kokoro) as kokoro:
        return kokoro.predict(EVAL_TEXT[language], style, phonemes)


def candidates(language: str) -> list[str]:
    """Kokoro voices a clone in `language` may blend: its own, and where it has few, those of the
    languages nearest it (Whisper understood Spanish and Portuguese men reading French better than
    English ones: WER 0.13 against 0.23-0.30)."""
    names = [v.engine_voice for v in voices.for_language(language) if v.engine == "kokoro"]
    for other in BORROW.get(language, ()) if len(names) < MIN_CANDIDATES else ():
        names += [v.engine_voice for v in voices.for_language(other) if v.engine == "kokoro"]
    return [n for n in names if n not in NOT_BLENDED]


def _onto_simplex(v: np.ndarray) -> np.ndarray:
    """The nearest point with non-negative weights that sum to 1."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u)
    rho = np.nonzero(u * np.arange(1, v.size + 1) > css - 1)[0][-1]
    return np.maximum(v - (css[rho] - 1) / (rho + 1.0), 0.0)


def _best_weights(basis: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weights w on the simplex that maximise cos(w @ basis, target) (projected gradient ascent)."""
    w = np.full(basis.shape[0], 1.0 / basis.shape[0])
    for _ in range(GRADIENT_STEPS):
        e = w @ basis
        norm = np.linalg.norm(e)
        cos = float(e @ target) / norm
        grad = (basis @ target) / norm - cos * (basis @ e) / norm ** 2
        w = _onto_simplex(w + GRADIENT_RATE * grad)
    return w


@dataclass(frozen=True)
class KokoroFit:
    profile: CloneProfile
    similarity: float  # of the chosen clone to the reference, by the speaker embedder
    stock_similarity: float  # of the closest stock voice (at the speaker's pitch)
    start_voice: str  # that stock voice: where the blend started
    mean_f0_hz: float


def _pitch_target(voice: SpeakerStats, speaker: SpeakerStats) -> float | None:
    """The log-F0 mean a voice must be moved to, to be within PITCH_TOLERANCE of the speaker's (the
    nearest such point: the smaller the move, the less WORLD's resynthesis is heard); None if it is."""
    gap = voice.log_f0_mean - speaker.log_f0_mean
    edge = float(np.log(1 + PITCH_TOLERANCE))
    return None if abs(gap) <= edge else speaker.log_f0_mean + float(np.sign(gap)) * edge


def fit_kokoro(models: ModelRegistry, reference: np.ndarray, sample_rate: int, speaker: SpeakerStats,
               base: PublicVoice, progress: Callable[[float], None] = lambda f: None) -> KokoroFit:
    """A Kokoro clone of the speaker of `reference` (speech at `sample_rate`, measured as `speaker`),
    speaking base's language.

    1. Rank the stock voices by the embedder's similarity to the reference (their embeddings are
       precomputed); the closest BLEND_VOICES are the blend's basis.
    2. Hear the closest stock voice, then BLEND_ROUNDS blends: model the blend's embedding as linear
       in its weights (fitted to the stock voices and every blend heard), take the weights the model
       says come closest, synthesise them and add what they really sound like to the model. What is
       heard is moved to within PITCH_TOLERANCE of the speaker's pitch first where it is off it: a
       listener hears a wrong pitch at once, though the embedder barely does. The closest wins.
    3. Try the winner with the speaker's recording colour (tone curve) too, and with the full WORLD
       shaping (pitch, formants, equaliser); keep whichever is closest."""
    language, phonemes, sr = base.language, base.phonemes, Kokoro.SAMPLE_RATE
    target = embed(models, reference, sample_rate)
    table = stock_embeddings()
    names = sorted(candidates(language), key=lambda n: -float(table[n] @ target))[:BLEND_VOICES]
    weights = [np.eye(len(names))[i] for i in range(len(names))]
    points = [table[n] for n in names]
    best: tuple[float, np.ndarray, np.ndarray, SpeakerStats, CloneProfile] | None = None
    stock_sim = 0.0
    for round_ in range(BLEND_ROUNDS + 1):
        if round_ == 0:
            w = weights[0]
        else:
            basis = np.linalg.lstsq(np.stack(weights), np.stack(points), rcond=None)[0]
            w = _best_weights(basis / np.linalg.norm(basis, axis=1, keepdims=True), target)
        blend = tuple((n, round(float(x), 4)) for n, x in zip(names, w, strict=True) if x >= 1e-3)
        with models.use(Kokoro) as kokoro:
            style = kokoro.blend(dict(blend))
        audio = speak_eval(models, style, language, phonemes)
        stats = speaker_stats(audio, sr)
        pitch = _pitch_target(stats, speaker)
        profile = CloneProfile(base.id, stats.log_f0_mean if pitch is None else pitch, stats.log_f0_std, 1.0, (),
                               style=blend, world=pitch is not None)
        heard = audio if pitch is None else shift_voice(audio, sr, pitch, stats.log_f0_std, 1.0, ())
        e = embed(models, heard, sr)
        sim = float(e @ target)
        if round_ == 0:
            stock_sim = sim
        else:
            weights.append(w)
            points.append(e)
        if best is None or sim > best[0]:
            best = (sim, audio, heard, stats, profile)
        progress(0.8 * (round_ + 1) / (BLEND_ROUNDS + 1))
    sim, audio, heard, stats, chosen = best
    shaped = dataclasses.replace(fit(_at_rate(speaker, reference, sample_rate, sr), stats), base_voice_id=base.id,
                                 style=chosen.style, world=True)
    coloured = dataclasses.replace(chosen, tone_db=tone.curve(reference, sample_rate, heard, sr))
    # The coloured option is the winner as heard (already at the speaker's pitch) plus its tone.
    shaped_audio = shift_voice(audio, sr, shaped.log_f0_mean, shaped.log_f0_std, shaped.formant_ratio, shaped.eq_db)
    for option, out in ((coloured, heard), (shaped, shaped_audio)):
        option_sim = float(embed(models, tone.apply(out, sr, option.tone_db), sr) @ target)
        if option_sim > sim:
            chosen, sim = option, option_sim
    progress(1.0)
    return KokoroFit(chosen, sim, stock_sim, names[0], float(np.exp(speaker.log_f0_mean)))


def _at_rate(speaker: SpeakerStats, reference: np.ndarray, rate: int, to: int) -> SpeakerStats:
    """The speaker measured at the voice's sample rate (the envelope's bins depend on it)."""
    return speaker if rate == to else speaker_stats(_resample(reference, rate, to), to)


def _resample(audio: np.ndarray, rate: int, to: int) -> np.ndarray:
    if rate == to:
        return audio.astype(np.float32)
    g = np.gcd(rate, to)
    return signal.resample_poly(audio, to // g, rate // g).astype(np.float32)


def compute_stock_embeddings(models: ModelRegistry) -> dict[str, np.ndarray]:
    """Every Kokoro voice's embedding reading EVAL_TEXT in its own language (for STOCK_EMBEDDINGS)."""
    out = {}
    for voice in voices.VOICES:
        if voice.engine == "kokoro":
            audio = speak_eval(models, voice.engine_voice, voice.language, voice.phonemes)
            out[voice.engine_voice] = embed(models, audio, Kokoro.SAMPLE_RATE)
    return out
