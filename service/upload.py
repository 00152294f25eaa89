"""Streams a multipart upload straight to disk, with a byte cap, without buffering it.

Starlette's form parser spools whole files to a temporary file before the handler runs; this
parser writes the `video` part to the analysis's own file as it arrives, stops at the cap,
and keeps only the small text fields in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from service.problems import Problem

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "video"
# The call's transcript (optional): text kept in memory, parsed after the upload.
TRANSCRIPT_FIELD = "transcript"
# A two-hour call's transcript is a few hundred kilobytes; this leaves room and bounds memory.
MAX_TRANSCRIPT_BYTES = 4 << 20
# Text fields are a URL or a number: a few kilobytes and a handful of them is plenty.
MAX_FIELD_BYTES = 4096
MAX_FIELDS = 16
# Room for the multipart framing and the text fields on top of the file itself.
FORM_OVERHEAD_BYTES = 1 << 20


@dataclass
class Upload:
    """A received upload.

    Attributes:
        filename: the client's file name (shown back to the client, never used as a path).
        size_bytes: bytes of the video part.
        fields: the text fields.
        sha256: hash of the video and the fields (the request fingerprint for idempotency).
        transcript: the `transcript` part's bytes, if the form had one.
        transcript_name: its file name.
    """

    filename: str
    size_bytes: int
    fields: dict[str, str]
    sha256: str
    transcript: bytes | None = None
    transcript_name: str = "transcript"


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


class _FormSink:
    """python-multipart callbacks that route the video to a file and the rest to memory."""

    def __init__(self, dest: Path, max_bytes: int) -> None:
        self.dest, self.max_bytes = dest, max_bytes
        self.file: IO[bytes] | None = None
        self.size, self.hash = 0, hashlib.sha256()
        self.filename: str | None = None
        self.fields: dict[str, str] = {}
        self.transcript: bytearray | None = None
        self.transcript_name = "transcript"
        self.part = _Part()
        self._header = (b"", b"")

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self.part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header = (self._header[0] + data[start:end], self._header[1])

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._header = (self._header[0], self._header[1] + data[start:end])

    def _header_end(self) -> None:
        self.part.headers[self._header[0].lower()] = self._header[1]
        self._header = (b"", b"")

    def _headers_done(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        self.part.filename = raw_filename.decode("utf-8", "replace") if raw_filename else None
        if self.part.name == TRANSCRIPT_FIELD:
            if self.transcript is not None:
                raise Problem(422, "invalid-upload", "the form has more than one 'transcript' part")
            self.transcript = bytearray()
            self.transcript_name = self.part.filename or "transcript"
        elif self.part.name == FILE_FIELD:
            if self.file is not None:
                raise Problem(422, "invalid-upload", "the form has more than one 'video' part")
            self.file = self.dest.open("wb")
            self.filename = self.part.filename or "upload"
        elif len(self.fields) >= MAX_FIELDS:
            raise Problem(422, "invalid-upload", f"the form has more than {MAX_FIELDS} fields")

    def _data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.part.name == TRANSCRIPT_FIELD:
            self._transcript_data(chunk)
            return
        if self.part.name != FILE_FIELD:
            self.part.data.extend(chunk)
            if len(self.part.data) > MAX_FIELD_BYTES:
                raise Problem(
                    422,
                    "invalid-upload",
                    f"form field {self.part.name[:40]!r} is longer than {MAX_FIELD_BYTES} bytes",
                )
            return
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        assert self.file is not None
        self.file.write(chunk)
        self.hash.update(chunk)

    def _transcript_data(self, chunk: bytes) -> None:
        assert self.transcript is not None
        self.transcript.extend(chunk)
        if len(self.transcript) > MAX_TRANSCRIPT_BYTES:
            raise Problem(
                422,
                "invalid-transcript",
                f"the transcript is longer than {MAX_TRANSCRIPT_BYTES >> 20} MiB",
            )

    def _end(self) -> None:
        if self.part.name == TRANSCRIPT_FIELD:
            return
        if self.part.name != FILE_FIELD:
            self.fields[self.part.name] = self.part.data.decode("utf-8", "replace")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


UPLOAD_TOO_LARGE = "upload-too-large"


def _too_large(max_bytes: int) -> Problem:
    return Problem(
        413, UPLOAD_TOO_LARGE, f"the upload is larger than the limit of {max_bytes} bytes"
    )


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a request, or a 415 problem if it is not multipart.

    Raises:
        Problem: 415 for another media type, 400 for multipart without a boundary.
    """
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        shown = kind.decode("latin-1") or "none"
        raise Problem(
            415,
            "unsupported-media-type",
            f"expected multipart/form-data with the file in field 'video', got {shown}",
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise Problem(400, "invalid-upload", "multipart/form-data without a boundary")
    return boundary


async def receive(
    stream: AsyncIterator[bytes], content_type: str, dest: Path, max_bytes: int
) -> Upload:
    """Writes the `video` part of a multipart body to `dest` and returns the rest.

    The caller deletes `dest` if anything goes wrong, here or later.

    Args:
        stream: the request body chunks.
        content_type: the request's Content-Type header.
        dest: where the video goes.
        max_bytes: largest accepted video.

    Raises:
        Problem: 413 over the cap, 415 not multipart, 400/422 malformed or without a video.
    """
    sink = _FormSink(dest, max_bytes)
    parser = MultipartParser(boundary_of(content_type), sink.callbacks())
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise Problem(400, "invalid-upload", "the multipart body is malformed") from None
    finally:
        sink.close()
    if sink.filename is None:
        raise Problem(422, "invalid-upload", "the form has no file in field 'video'")
    for name in sorted(sink.fields):
        sink.hash.update(f"\0{name}={sink.fields[name]}".encode())
    transcript = None if sink.transcript is None else bytes(sink.transcript)
    if transcript is not None:
        sink.hash.update(b"\0transcript=" + transcript)
    return Upload(
        sink.filename,
        sink.size,
        sink.fields,
        sink.hash.hexdigest(),
        transcript,
        sink.transcript_name,
    )


def check_length(
    content_length: str | None, max_bytes: int, too_large: Problem | None = None
) -> None:
    """Refuses a body whose declared length is already over the cap, before reading it.

    Args:
        content_length: the request's Content-Length header.
        max_bytes: the cap on the video.
        too_large: the problem to raise (default: the server's upload cap).

    Raises:
        Problem: 413.
    """
    if (
        content_length
        and content_length.isdigit()
        and (int(content_length) > max_bytes + FORM_OVERHEAD_BYTES)
    ):
        raise too_large or _too_large(max_bytes)
