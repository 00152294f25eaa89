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


def listen(video: str | Path, warn: WarnFn) -> Listening:
    """Starts the audio track's voice activity in a thread beside the pictures (already
    settled as `NO_AUDIO`, with no thread, when the file has no audio stream beside a video
    stream).

    The thread runs at a lower priority on whichever CPU has time (it keeps the caller's
    CPUs, all of them before `record` splits them): the decoder and the models each have a
    CPU of their own, and which of the two waits more varies with the machine and the file
    (per-thread CPU on the 3-minute bench file: the decoder busy 3.9 s of 5.5 s on one day,
    the models' thread waiting 1.2 s for frames on another). Kept on the decoder's CPU, the
    speech finished last whenever something else loaded that CPU; free to move, it fills
    either side's waits (alternating `cuewatch analyze` runs: 3% faster, 4 rounds of 5).
    """
    stop = threading.Event()
    if not has_audio(video):
        silent: Future[SpeechActivity] = Future()
        silent.set_result(NO_AUDIO)
        return Listening(silent, stop)
    pool = ThreadPoolExecutor(1, thread_name_prefix="cuewatch-audio")
    try:
        return Listening(pool.submit(_hear, video, warn, stop), stop)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task


def _hear(video: str | Path, warn: WarnFn, stop: threading.Event) -> SpeechActivity:
    # Linux: a thread's own nice value; elsewhere it runs at the usual priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _AUDIO_NICE)
    return voice_activity(_until(stop, iter_audio(video, on_warning=warn)))


def _until(stop: threading.Event, chunks: Iterator[AudioChunk]) -> Iterator[AudioChunk]:
    for chunk in chunks:
        if stop.is_set():
            return
        yield chunk
