"""Text -> speech with the public voices: sentence by sentence, joined with short faded pauses (no
clicks), optionally moved to another voice with WORLD (the female English voice, cloned voices)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from videotwin.inference import espeak
from videotwin.inference.kokoro import Kokoro
from videotwin.inference.piper import PiperVoice
from videotwin.inference.registry import ModelRegistry
from videotwin.speech import tone, world
from videotwin.speech.voices import PublicVoice

MAX_TTS_CHARS = 1000
SENTENCE_GAP_SECONDS = 0.28
EDGE_FADE_SECONDS = 0.008
# Samples quieter than this (full scale = 1) at the ends of a sentence are trimmed before joining.
TRIM_THRESHOLD = 0.008
TRIM_KEEP_SECONDS = 0.04
_SENTENCE = re.compile(r"[^.!?。！？\n]+(?:[.!?。！？]+|\n|$)")
_CLAUSE = re.compile(r"[^,;:、，]+[,;:、，]?")


@dataclass(frozen=True)
class CloneProfile:
    """What a trained voice clone changes in its base voice's output."""

    base_voice_id: str
    log_f0_mean: float
    log_f0_std: float
    formant_ratio: float
    eq_db: tuple[float, ...]
    # A Kokoro clone speaks with a blend of stock styles, (voice name, weight) pairs (speech/clone.py);
    # `world` says whether WORLD then moves its pitch, formants and EQ as above (False where that did
    # not bring it closer to the speaker). Profiles without a blend are WORLD-only clones.
    style: tuple[tuple[str, float], ...] = ()
    world: bool = True
    # A tone curve applied to the waveform last (dB at tone.TONE_HZ): the speaker's recording colour.
    tone_db: tuple[float, ...] = ()


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip() and re.search(r"\w", s)]


def _trim(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD)
    if loud.size == 0:
        return audio[:0]
    keep = int(TRIM_KEEP_SECONDS * sample_rate)
    return audio[max(0, loud[0] - keep): loud[-1] + keep]


def _fade(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    n = min(int(EDGE_FADE_SECONDS * sample_rate), audio.size // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        audio = audio.copy()
        audio[:n] *= ramp
        audio[-n:] *= ramp[::-1]
    return audio


def join(pieces: list[np.ndarray], sample_rate: int) -> np.ndarray:
    """Trimmed, faded sentences with a pause between: every seam starts and ends at zero."""
    gap = np.zeros(int(SENTENCE_GAP_SECONDS * sample_rate), np.float32)
    out: list[np.ndarray] = []
    for piece in pieces:
        piece = _trim(piece, sample_rate)
        if piece.size:
            out += [_fade(piece, sample_rate), gap]
    return np.concatenate(out[:-1]) if out else np.zeros(0, np.float32)


class Synthesizer:
    """Speaks with the public voices; the models come from the registry at each call, so it is cheap
    to make and holds nothing between calls. Thread-safe."""

    def __init__(self, models: ModelRegistry) -> None:
        self.models = models

    def sample_rate(self, voice: PublicVoice) -> int:
        """The rate `voice` speaks at (before any resampling)."""
        if voice.engine == "piper":
            with self.models.use(PiperVoice) as piper:
                return piper.sample_rate
        if voice.engine == "kokoro":
            return Kokoro.SAMPLE_RATE
        return espeak.SAMPLE_RATE_HZ

    def _piper_sentence(self, piper: PiperVoice, sentence: str, rate: float) -> np.ndarray:
        end = sentence[-1] if sentence[-1] in ".!?" else "."
        body = sentence.rstrip(".!?")
        phonemes = []
        for clause in _CLAUSE.findall(body):
            mark = clause[-1] if clause[-1] in ",;:" else ""
            words = clause.rstrip(",;:").strip()
            if words:
                phonemes.append(" ".join(espeak.phonemize(words, piper.espeak_voice)) + mark)
        if not phonemes:
            return np.zeros(0, np.float32)
        return piper.predict(" ".join(phonemes) + end, rate)

    def synthesize(self, text: str, voice: PublicVoice, rate: float = 1.0,
                   clone: CloneProfile | None = None) -> tuple[np.ndarray, int]:
        sentences = split_sentences(text)
        if voice.engine == "piper":
            with self.models.use(PiperVoice) as piper:
                sr = piper.sample_rate
                audio = join([self._piper_sentence(piper, s, rate) for s in sentences], sr)
        elif voice.engine == "kokoro":
            sr = Kokoro.SAMPLE_RATE
            with self.models.use(Kokoro) as kokoro:
                style = kokoro.blend(dict(clone.style)) if clone is not None and clone.style else voice.engine_voice
                audio = join([kokoro.predict(s, style, voice.phonemes, speed=rate) for s in sentences], sr)
        else:
            pieces = [espeak.synthesize(s, voice.engine_voice, rate) for s in sentences]
            sr = pieces[0][1] if pieces else espeak.SAMPLE_RATE_HZ
            audio = join([p[0] for p in pieces], sr)
        if audio.size == 0:
            return audio, sr
        if clone is not None:
            if clone.world:
                audio = shift_voice(audio, sr, clone.log_f0_mean, clone.log_f0_std, clone.formant_ratio, clone.eq_db)
            if clone.tone_db:
                audio = tone.apply(audio, sr, clone.tone_db)
        elif voice.target_f0_hz is not None:
            audio = shift_voice(audio, sr, float(np.log(voice.target_f0_hz)), None, voice.formant_ratio, ())
        return audio, sr


def shift_voice(audio: np.ndarray, sample_rate: int, log_f0_mean: float, log_f0_std: float | None,
                formant_ratio: float, eq_db: tuple[float, ...]) -> np.ndarray:
    """Move `audio` to a target pitch (mean, and spread if given), formant ratio and EQ."""
    analysis = world.analyse(audio, sample_rate)
    try:
        mean, std = world.log_f0_stats(analysis.f0)
    except ValueError:
        return audio
    shift = world.VoiceShift(mean, std, log_f0_mean, std if log_f0_std is None else log_f0_std, formant_ratio,
                             tuple(eq_db))
    return world.apply_analysis(analysis, shift)
