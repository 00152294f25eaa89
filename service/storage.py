"""Where uploads and results live under the data dir, and how they are removed.

    incoming/<id>.<host>.<pid>.part
                                an upload being received by that API process (deleted if
                                rejected, or at the next start of an API process on that
                                host once that process has died mid-upload)
    videos/<id><ext>            an accepted upload, deleted once analysed unless kept
    results/<id>/<run token>/   the files of one run; the row's result_token names the one
                                that counts, so a re-run can never mix into a finished result

Paths are built only from ids and tokens the service generated, never from request text.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time
from pathlib import Path

RESULT_FILES = ("result.json", "frames.csv", "report.html", "annotated.mp4")


class Storage:
    """The data dir's file layout.

    Args:
        root: the data dir; created with its subfolders if missing.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("incoming", "videos", "results"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def incoming(self, analysis_id: str) -> Path:
        """Where this process receives an upload (the name says which process it is)."""
        return self.root / "incoming" / f"{analysis_id}.{_owner()}.part"

    def sweep_dead_uploads(self) -> int:
        """Deletes uploads whose receiving process on this host has died; returns how many.

        Called when an API process starts: a process killed mid-upload leaves its partial
        file, and nobody else would remove it before the day-old sweep.
        """
        host, me = _host(), os.getpid()
        dead = []
        for path in (self.root / "incoming").glob("*.part"):
            owner_host, _, pid = path.name.removesuffix(".part").split(".", 1)[-1].rpartition(".")
            # Our own pid is a previous life of this process (a container restarted as pid 1).
            if owner_host == host and pid.isdigit() and (int(pid) == me or not _alive(int(pid))):
                dead.append(path)
        for path in dead:
            path.unlink(missing_ok=True)
        return len(dead)

    def accept(self, analysis_id: str, part: Path, suffix: str) -> str:
        """Moves a checked upload into videos/ and returns its stored name."""
        name = f"{analysis_id}{suffix}"
        part.replace(self.root / "videos" / name)
        return name

    def video(self, name: str) -> Path:
        return self.root / "videos" / name

    def transcript(self, analysis_id: str) -> Path:
        """Where the upload's transcript is kept, beside the video (shared storage too)."""
        return self.root / "videos" / f"{analysis_id}.transcript"

    def delete_video(self, name: str | None) -> None:
        if name:
            self.video(name).unlink(missing_ok=True)

    def run_dir(self, analysis_id: str, token: str) -> Path:
        return self.root / "results" / analysis_id / token

    def result_file(self, analysis_id: str, token: str | None, name: str) -> Path | None:
        """A finished result's file, or None if that run did not write it."""
        if token is None or name not in RESULT_FILES:
            return None
        path = self.run_dir(analysis_id, token) / name
        return path if path.is_file() else None

    def keep_only(self, analysis_id: str, token: str) -> None:
        """Deletes the leftovers of every other run of this job."""
        for entry in self._runs(analysis_id):
            if entry.name != token:
                shutil.rmtree(entry, ignore_errors=True)

    def drop_run(self, analysis_id: str, token: str) -> None:
        """Deletes one run's files, and the job's folder if nothing else is in it."""
        shutil.rmtree(self.run_dir(analysis_id, token), ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.root / "results" / analysis_id).rmdir()

    def delete_all(self, analysis_id: str, video_name: str | None) -> None:
        """Deletes the video and every derived file of one analysis."""
        self.delete_video(video_name)
        self.transcript(analysis_id).unlink(missing_ok=True)
        for part in (self.root / "incoming").glob(f"{analysis_id}.*part"):
            part.unlink(missing_ok=True)
        shutil.rmtree(self.root / "results" / analysis_id, ignore_errors=True)

    def sweep_incoming(self, older_than_s: float) -> int:
        """Deletes uploads abandoned mid-transfer (an API process that died); returns how many."""
        cutoff = time.time() - older_than_s
        stale = [p for p in (self.root / "incoming").glob("*.part") if _mtime(p) < cutoff]
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def _runs(self, analysis_id: str) -> list[Path]:
        folder = self.root / "results" / analysis_id
        return [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []


def _host() -> str:
    # Dots would make the file name ambiguous.
    return socket.gethostname().replace(".", "-")


def _owner() -> str:
    return f"{_host()}.{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def public_message(message: str, path: Path, filename: str) -> str:
    """The first line of a message, with the server's file name replaced by the client's."""
    return message.replace(str(path), filename).replace(path.name, filename).splitlines()[0]
