"""Replay mode: a ``requests`` transport adapter that answers from archived WARC responses.

Mounted on the :class:`~extractors.http_client.PoliteClient` session, it lets a batch be re-run offline
through exactly the same fetch code (retries, allowlist, size cap, archiving).
"""

from __future__ import annotations

import io
import threading
from collections import deque
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3.exceptions import ProtocolError

from extractors.warc_archive import ArchivedResponse, body_sha1, iter_responses, warc_files

# Set on replayed ``requests.Response`` objects whose archived body was cut at the size cap, so the client
# refuses them exactly as it refused the live response.
TRUNCATED_ATTR = "dramatrack_replay_truncated"

ReplayKey = tuple[str, str, str]


class _BrokenBody(io.BytesIO):
    """The archived prefix of an incomplete body, then the transport error the live fetch saw."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if not data and size != 0:
            raise ProtocolError("replayed incomplete response body")
        return data


class ReplayMissError(requests.RequestException):
    """The request has no archived response (the client turns this into a ``FetchError``)."""


def _request_body_bytes(body: bytes | str | None) -> bytes | None:
    if isinstance(body, str):
        return body.encode("utf-8")
    if body is None or isinstance(body, bytes | bytearray):
        return body
    raise ReplayMissError("streamed request bodies cannot be replayed")


def replay_key(method: str, url: str, body: bytes | str | None) -> ReplayKey:
    """The key an exchange is replayed by: method, URL and the SHA-1 of the request body."""
    return method.upper(), url, body_sha1(_request_body_bytes(body))


class ReplayAdapter(BaseAdapter):
    """Answers requests from WARC response records, in the order they were archived.

    Each (method, URL, request body SHA-1) has its own queue: a 429 then 200 sequence replays as 429 then
    200; once the queue is down to its last response, that response repeats.
    """

    def __init__(self, paths: Iterable[Path | str]):
        super().__init__()
        self.paths = [Path(p) for p in paths]
        self._lock = threading.Lock()
        self._queues: dict[ReplayKey, deque[ArchivedResponse]] = {}
        for path in self.paths:
            for record in iter_responses(path):
                key = (record.method.upper(), record.url, record.request_body_sha1)
                self._queues.setdefault(key, deque()).append(record)

    @classmethod
    def from_path(cls, path: Path | str) -> ReplayAdapter:
        """Index a WARC file, or every WARC file below a folder."""
        files = warc_files(path)
        missing = [p for p in files if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"no WARC file at {missing[0]}")
        return cls(files)

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def __contains__(self, key: object) -> bool:
        return key in self._queues

    def archived_urls(self, method: str = "GET") -> list[str]:
        """The URLs of every archived request of ``method``."""
        return [url for m, url, _ in self._queues if m == method.upper()]

    def next_response(self, method: str, url: str, body: bytes | str | None) -> ArchivedResponse:
        """Pop the next archived response for this request (the last one repeats)."""
        key = replay_key(method, url, body)
        with self._lock:
            queue = self._queues.get(key)
            if not queue:
                raise ReplayMissError(f"{method.upper()} {url} is not in the replay archive")
            return queue.popleft() if len(queue) > 1 else queue[0]

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        """Answer a prepared request from the archive (the ``requests`` transport-adapter interface)."""
        record = self.next_response(request.method, request.url, request.body)
        headers = HTTPHeaderDict()
        for key, value in record.headers:
            headers.add(key, value)
        try:
            reason = HTTPStatus(record.status).phrase
        except ValueError:
            reason = ""
        raw = HTTPResponse(
            # A body that broke off mid-transfer breaks off again at the same byte.
            body=_BrokenBody(record.body) if record.tags.get("incomplete") else io.BytesIO(record.body),
            headers=headers,
            status=record.status,
            reason=reason,
            preload_content=False,
            decode_content=False,
            request_url=request.url,
        )
        response = requests.Response()
        response.status_code = record.status
        response.reason = reason
        response.headers = CaseInsensitiveDict(headers)
        response.raw = raw
        response.url = request.url
        response.request = request
        response.encoding = get_encoding_from_headers(response.headers)
        response.connection = self
        setattr(response, TRUNCATED_ATTR, bool(record.tags.get("truncated")))
        return response

    def close(self) -> None:
        """Nothing to release."""
