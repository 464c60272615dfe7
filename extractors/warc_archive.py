"""The raw archive: every HTTP exchange is written to a WARC file (warcio) before anything parses it.

One WARC file per batch. Beside it, ``<name>.warc.gz.idx.jsonl`` lists each response record
(URL, status, fetch time, offset, length, tags) so the loader can index it in ``ops.fetch_log``
without the fetcher ever opening DuckDB.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

TAGS_HEADER = "WARC-DramaTrack-Tags"
REQUEST_BODY_HASH_HEADER = "WARC-DramaTrack-Request-Body-SHA1"
METHOD_HEADER = "WARC-DramaTrack-Method"
# Bodies are archived as the client saw them (decoded); the original encodings are kept under these names.
_RENAMED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def body_sha1(body: bytes | None) -> str:
    return hashlib.sha1(body or b"").hexdigest()


@dataclass(frozen=True, slots=True)
class ArchivedResponse:
    """One archived HTTP response, with where it lives in the archive."""

    url: str
    method: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    warc_path: str
    warc_offset: int
    warc_length: int
    request_body_sha1: str
    tags: dict = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def index_row(self) -> dict:
        """The row this response gets in ``ops.fetch_log``."""
        row = asdict(self)
        del row["body"], row["headers"]
        row["fetched_at"] = self.fetched_at.isoformat()
        row["content_type"] = self.header("content-type")
        row["body_bytes"] = len(self.body)
        row["body_sha1"] = body_sha1(self.body)
        row["host"] = urlsplit(self.url).hostname
        return row


class WarcArchive:
    """Append-only, thread-safe WARC writer for one batch (a gzip WARC file)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._file = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._file, gzip=True)
        self.entries: list[ArchivedResponse] = []

    def record(
        self,
        *,
        method: str,
        url: str,
        request_headers: Sequence[tuple[str, str]],
        request_body: bytes | None,
        status: int,
        reason: str,
        response_headers: Sequence[tuple[str, str]],
        body: bytes,
        fetched_at: datetime | None = None,
        tags: dict | None = None,
    ) -> ArchivedResponse:
        """Write the request and response records; return the archived response."""
        fetched_at = fetched_at or datetime.now(UTC)
        warc_date = fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        tags = dict(tags or {})
        req_sha1 = body_sha1(request_body)
        resp_headers = [
            (f"X-Archive-Orig-{k}" if k.lower() in _RENAMED_HEADERS else k, v) for k, v in response_headers
        ]
        resp_headers.append(("Content-Length", str(len(body))))
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        common = {"WARC-Date": warc_date, TAGS_HEADER: json.dumps(tags, sort_keys=True),
                  REQUEST_BODY_HASH_HEADER: req_sha1,
                  METHOD_HEADER: method}
        resp_record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=StatusAndHeaders(f"{status} {reason or ''}".strip(), resp_headers, protocol="HTTP/1.1"),
            warc_headers_dict=dict(common),
        )
        req_record = self._writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(request_body or b""),
            length=len(request_body or b""),
            http_headers=StatusAndHeaders(
                f"{method} {target or '/'} HTTP/1.1", list(request_headers), is_http_request=True
            ),
            warc_headers_dict=dict(common),
        )
        with self._lock:
            offset = self._file.tell()
            self._writer.write_record(resp_record)
            length = self._file.tell() - offset
            self._writer.write_record(req_record)
            self._file.flush()
            archived = ArchivedResponse(
                url=url,
                method=method,
                status=status,
                headers=list(response_headers),
                body=body,
                fetched_at=fetched_at,
                warc_path=str(self.path),
                warc_offset=offset,
                warc_length=length,
                request_body_sha1=req_sha1,
                tags=tags,
            )
            self.entries.append(archived)
        return archived

    @property
    def index_path(self) -> Path:
        return self.path.with_name(self.path.name + ".idx.jsonl")

    def close(self) -> Path:
        """Flush, close, and write the sidecar index; return the WARC path."""
        with self._lock:
            if not self._file.closed:
                self._file.close()
            with open(self.index_path, "w", encoding="utf-8") as fh:
                for entry in self.entries:
                    fh.write(json.dumps(entry.index_row(), sort_keys=True) + "\n")
        return self.path

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _restore_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for key, value in headers:
        if key.lower() == "content-length":
            continue
        if key.lower().startswith("x-archive-orig-"):
            key = key[len("X-Archive-Orig-"):]
            if key.lower() in _RENAMED_HEADERS:
                continue  # the body is stored decoded: these no longer describe it
        out.append((key, value))
    return out


def iter_responses(path: Path | str) -> Iterator[ArchivedResponse]:
    """Every response record in a WARC file, in the order it was fetched."""
    path = Path(path)
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_type != "response":
                continue
            headers = record.rec_headers
            body = record.content_stream().read()
            offset = iterator.get_record_offset()
            length = iterator.get_record_length()
            date = headers.get_header("WARC-Date")
            tags_raw = headers.get_header(TAGS_HEADER)
            http = record.http_headers
            yield ArchivedResponse(
                url=headers.get_header("WARC-Target-URI"),
                method=(headers.get_header(METHOD_HEADER) or "GET"),
                status=int(http.get_statuscode()),
                headers=_restore_headers(list(http.headers)),
                body=body,
                fetched_at=datetime.fromisoformat(date.replace("Z", "+00:00")),
                warc_path=str(path),
                warc_offset=offset,
                warc_length=length,
                request_body_sha1=headers.get_header(REQUEST_BODY_HASH_HEADER) or body_sha1(b""),
                tags=json.loads(tags_raw) if tags_raw else {},
            )


def warc_files(path: Path | str) -> list[Path]:
    """A WARC file, or every ``*.warc``/``*.warc.gz`` below a folder, sorted."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.name.endswith((".warc", ".warc.gz")))
    return [path]
