"""Receiving an upload safely.

The multipart body is parsed as it streams in and the file part is written straight to
a file named by a generated id: nothing is buffered whole in memory, and reading stops
as soon as the file passes the size limit. The client's filename is kept only as
display text. The content is then checked in a separate process (posecoach.web.probe):
its header against the media limits, then its first frame decoded, whatever its
extension claims.
"""

from __future__ import annotations

import errno
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header

from posecoach.errors import PoseCoachError
from posecoach.limits import DEFAULT_LIMITS, MediaLimits
from posecoach.video_io import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from posecoach.web.probe import probe_isolated

FILE_FIELD = "file"
MAX_FIELD_BYTES = 1024
MAX_PARTS = 8
FORM_OVERHEAD_BYTES = 64 * 1024   # headers, boundaries and small fields around the file


class UploadError(Exception):
    """A rejected upload: an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint          # sent as its own field: hints hold parentheses themselves


@dataclass
class Upload:
    path: Path | None = None          # where the file part was written (None: no file part)
    filename: str = ""                # display name only
    size_bytes: int = 0
    fields: dict[str, str] = field(default_factory=dict)


def display_name(raw: str | None) -> str:
    """The client's filename reduced to a harmless label: last path component, printable, short."""
    name = PurePosixPath((raw or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:120] or "upload"


def stored_suffix(filename: str) -> str:
    """A suffix from the allow-list (it tells the decoder video vs still), never the client's text."""
    suffix = PurePosixPath(filename).suffix.lower()
    return suffix if suffix in VIDEO_SUFFIXES | IMAGE_SUFFIXES else ".mp4"


def boundary_of(content_type: str | None) -> bytes:
    if not content_type:
        raise UploadError(415, "send the upload as multipart/form-data with a 'file' field")
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadError(415, "send the upload as multipart/form-data with a 'file' field")
    return boundary.strip(b'"')


class _Receiver:
    """python-multipart callbacks: route each part to the output file or a small field."""

    def __init__(self, dest_stem: Path, max_bytes: int) -> None:
        self._dest_stem, self._max_bytes = dest_stem, max_bytes
        self.upload = Upload()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._field_value = b""
        self._file: IO[bytes] | None = None
        self._in_file = False
        self._parts = 0
        self.ended = False            # the closing boundary was seen

    def callbacks(self) -> dict[str, object]:
        return {"on_part_begin": self._part_begin, "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value, "on_header_end": self._on_header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end, "on_end": self._end}

    def _end(self) -> None:
        self.ended = True

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise UploadError(400, f"too many form fields (at most {MAX_PARTS})")
        self._headers, self._field_value, self._in_file = {}, b"", False

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in params:
            return
        if self._name != FILE_FIELD or self.upload.path is not None:
            raise UploadError(400, f"send exactly one file, in the '{FILE_FIELD}' field")
        self.upload.filename = display_name(params[b"filename"].decode("utf-8", "replace"))
        path = self._dest_stem.with_suffix(stored_suffix(self.upload.filename) + ".part")
        self._file = open(path, "wb")  # noqa: SIM115 - closed in _part_end / close()
        self.upload.path = path
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            assert self._file is not None
            self.upload.size_bytes += end - start
            if self.upload.size_bytes > self._max_bytes:
                raise UploadError(413, f"the file is larger than the limit of {_mb(self._max_bytes)}")
            self._file.write(data[start:end])
            return
        self._field_value += data[start:end]
        if len(self._field_value) > MAX_FIELD_BYTES:
            raise UploadError(400, f"form field '{self._name}' is too long")

    def _part_end(self) -> None:
        if self._in_file:
            self.close()
        elif self._name:
            self.upload.fields[self._name] = self._field_value.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / (1024 * 1024):g} MB"


async def receive_multipart(chunks: AsyncIterator[bytes], content_type: str | None, dest_stem: Path,
                            max_bytes: int, content_length: int | None = None) -> Upload:
    """Stream a multipart body into `dest_stem`.<suffix>.part; stop at the first byte over the limit.

    Raises UploadError (and removes any partial file) on a bad or oversized upload.
    """
    if content_length is not None and content_length > max_bytes + FORM_OVERHEAD_BYTES:
        raise UploadError(413, f"the file is larger than the limit of {_mb(max_bytes)}")
    receiver = _Receiver(dest_stem, max_bytes)
    parser = MultipartParser(boundary_of(content_type), receiver.callbacks())  # type: ignore[arg-type]
    total = 0
    try:
        async for chunk in chunks:
            total += len(chunk)
            if total > max_bytes + FORM_OVERHEAD_BYTES:
                raise UploadError(413, f"the file is larger than the limit of {_mb(max_bytes)}")
            parser.write(chunk)
        parser.finalize()
        if not receiver.ended:
            raise UploadError(400, "the upload ended before the form was complete (the connection may "
                                   "have been cut); send it again")
        receiver.close()
    except UploadError:
        _discard(receiver)
        raise
    except OSError as exc:            # the upload folder: disk full, read-only, gone
        _discard(receiver)
        raise storage_error(exc) from exc
    except Exception as exc:  # noqa: BLE001 - python-multipart raises its own and ValueErrors
        _discard(receiver)
        raise UploadError(400, "the upload is not a valid multipart form") from exc
    upload = receiver.upload
    if upload.path is None:
        raise UploadError(422, f"no file in the upload (send it in the '{FILE_FIELD}' field)")
    if upload.size_bytes == 0:
        _discard(receiver)
        raise UploadError(422, f"{upload.filename}: the file is empty")
    return upload


def storage_error(exc: OSError) -> UploadError:
    """What the client hears when the server cannot store a file (no paths, no exception text)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UploadError(507, "the server's disk is full; the upload was not kept")
    return UploadError(503, "the server cannot store uploads right now; try again later")


def _discard(receiver: _Receiver) -> None:
    try:
        receiver.close()
    except OSError:
        pass                            # a full disk can fail the final flush too
    if receiver.upload.path is not None:
        receiver.upload.path.unlink(missing_ok=True)


def check_media(path: Path, filename: str, limits: MediaLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Check the upload in a separate process (posecoach.web.probe) under `limits`; raise
    UploadError(415) with the client's name in the message, never the stored path."""
    try:
        return probe_isolated(path, limits)
    except PoseCoachError as exc:
        message = exc.message.split(": ", 1)[-1] if exc.message.startswith(path.name) else exc.message
        raise UploadError(415, f"{filename}: {message}", exc.hint) from exc
