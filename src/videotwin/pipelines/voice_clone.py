"""voice.clone: learn a cloned voice from reference speech (userVoice/training).

1. fetch every reference URL (audio or video), decode to mono at the base voice's rate
2. check it: at least 3 s of sound, not silent
3. measure the speaker (pitch range, average spectral envelope) and the base voice the same way
4. fit the formant ratio and equaliser that turn the base voice into the speaker
The profile is the job's output; send_tts applies it to the base voice's speech."""

from __future__ import annotations

import numpy as np

from videotwin.domain.errors import InputFetchError
from videotwin.media.audio import MediaError, decode, rms_dbfs
from videotwin.pipelines.base import JobContext, PipelineError
from videotwin.speech import clone, service, voices

MIN_REFERENCE_SECONDS = 3.0
MAX_REFERENCE_SECONDS = 300.0
# Quieter than this over the whole reference counts as silence (full scale = 0 dBFS).
SILENCE_DBFS = -50.0
ERR_BAD_REFERENCE = 10


def run(ctx: JobContext) -> dict:
    base = voices.get(ctx.inputs["base_voice_id"])
    if base is None:
        raise PipelineError(f"the base voice {ctx.inputs['base_voice_id']!r} no longer exists")
    synth = service.synthesizer(ctx.settings.models_dir)
    sr = synth.piper().sample_rate if base.engine == "piper" else synth.kokoro().SAMPLE_RATE
    s = ctx.settings
    pieces = []
    urls = ctx.inputs["voice_urls"]
    for i, url in enumerate(urls):
        ctx.check()
        dest = ctx.workdir / f"ref{i}"
        field = f"voice_urls[{i}]"
        try:
            ctx.fetch(url, dest, field=field, accept=["audio", "video"])
            pieces.append(decode(dest, sr, max_seconds=MAX_REFERENCE_SECONDS))
        except InputFetchError as exc:
            raise PipelineError(exc.message, ERR_BAD_REFERENCE) from None
        except MediaError as exc:
            raise PipelineError(f"{field}: {exc}", ERR_BAD_REFERENCE) from None
        ctx.progress(0.3 * (i + 1) / len(urls))
    audio = np.concatenate(pieces)
    seconds = audio.size / sr
    if seconds < MIN_REFERENCE_SECONDS:
        raise PipelineError(f"voice_urls: the reference audio is {seconds:.1f} s long; at least "
                            f"{MIN_REFERENCE_SECONDS:g} s of speech is needed (30 s or more gives the best clone)",
                            ERR_BAD_REFERENCE)
    if rms_dbfs(audio) < SILENCE_DBFS:
        raise PipelineError("voice_urls: the reference audio is silent; record the speaker talking",
                            ERR_BAD_REFERENCE)
    if ctx.inputs.get("denoise"):
        from videotwin.inference import denoise

        audio = denoise.clean(audio, sr)
    ctx.progress(0.4)
    try:
        speaker = clone.speaker_stats(audio, sr)
    except (clone.ReferenceError, ValueError) as exc:
        raise PipelineError(f"voice_urls: {exc}; the reference must be speech", ERR_BAD_REFERENCE) from None
    ctx.progress(0.6)
    base_stats = service.calibration(s.models_dir, base)
    ctx.progress(0.9)
    profile = clone.fit(speaker, base_stats)
    profile = clone.CloneProfile(base.id, profile.log_f0_mean, profile.log_f0_std, profile.formant_ratio,
                                 profile.eq_db)
    return {"profile": clone.profile_to_dict(profile), "reference_seconds": round(seconds, 2),
            "mean_f0_hz": round(float(np.exp(profile.log_f0_mean)), 1)}
