"""Listening beside the pictures: the audio track's voice activity in a background thread."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.audio.speech import WINDOW_MS, voice_activity
from pipeline.media import cpus
from pipeline.media.audio import AudioChunk, WarnFn, has_audio, iter_audio
from pipeline.types import SpeechActivity

# Enough below the models' threads that they always run first when both are ready.
_AUDIO_NICE = 10
NO_AUDIO = SpeechActivity("no_audio", 0.0, WINDOW_MS, np.zeros(0, dtype=np.float32))


@dataclass(frozen=True)
class Listening:
    """The voice activity being computed, and the flag that stops it early (the pictures
    failed or the analysis was canceled: nobody will read it)."""

    result: Future[SpeechActivity]
    stop: threading.Event


def listen(video: str | Path, warn: WarnFn, *, split_cpus: bool = True) -> Listening | None:
    """Starts the audio track's voice activity in a thread beside the pictures (None when
    the file has no audio stream beside a video stream).

    The models are the longer chain of a recording's work (face mesh, survey and hands run
    one after the other on every sampled frame), while the decoder, which skips the frames
    nothing refers to, waits on a full queue now and then: the thread runs on the decoder's
    CPUs, at a lower priority, so the speech fills that slack instead of lengthening the
    models' chain (per-thread CPU on the 3-minute bench file: decoder 3.9 s busy in 5.5 s,
    models 5.3 s).
    """
    if not has_audio(video):
        return None
    placement = cpus.split() if split_cpus else None
    stop = threading.Event()
    pool = ThreadPoolExecutor(1, thread_name_prefix="cuewatch-audio")
    try:
        on = placement.decode if placement else None
        return Listening(pool.submit(_hear, video, warn, on, stop), stop)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task


def _hear(
    video: str | Path, warn: WarnFn, on: frozenset[int] | None, stop: threading.Event
) -> SpeechActivity:
    cpus.pin_current_thread(on)
    # Linux: a thread's own nice value; elsewhere it runs at the usual priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _AUDIO_NICE)
    return voice_activity(_until(stop, iter_audio(video, on_warning=warn)))


def _until(stop: threading.Event, chunks: Iterator[AudioChunk]) -> Iterator[AudioChunk]:
    for chunk in chunks:
        if stop.is_set():
            return
        yield chunk
