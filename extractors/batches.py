"""Batch manifests: what one fetch produced for one source × country × day, and where its WARC lives."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit


def batch_id_for(source: str, snapshot_date: date | str, country: str) -> str:
    """Deterministic batch id: the same source, day and country is always the same batch."""
    return f"{source}:{snapshot_date}:{country}"


@dataclass(frozen=True, slots=True)
class BatchManifest:
    """One fetched batch: its id, its WARC file(s) and what went wrong while fetching."""

    batch_id: str
    source: str
    snapshot_date: str  # ISO date
    country: str
    warc_paths: tuple[str, ...]
    responses: int
    fetch_errors: tuple[str, ...] = field(default_factory=tuple)
    # Failures of one item (say one app page) that fail only that item for the day, not the whole batch.
    item_errors: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        out = asdict(self)
        out["warc_paths"] = list(self.warc_paths)
        out["fetch_errors"] = list(self.fetch_errors)
        out["item_errors"] = [list(pair) for pair in self.item_errors]
        return out

    @classmethod
    def from_json(cls, data: dict) -> BatchManifest:
        return cls(
            batch_id=data["batch_id"],
            source=data["source"],
            snapshot_date=data["snapshot_date"],
            country=data["country"],
            warc_paths=tuple(data["warc_paths"]),
            responses=int(data["responses"]),
            fetch_errors=tuple(data.get("fetch_errors", ())),
            item_errors=tuple((str(k), str(v)) for k, v in data.get("item_errors", ())),
        )


def country_manifest(source: str, snapshot_date: date, country: str, warc_path: Path, responses: int,
                     fetch_errors: list[str], item_errors: list[tuple[str, str]] | None = None) -> BatchManifest:
    """The manifest of one source × day × country batch fetched into one WARC file."""
    return BatchManifest(
        batch_id=batch_id_for(source, snapshot_date, country),
        source=source,
        snapshot_date=snapshot_date.isoformat(),
        country=country,
        warc_paths=(str(warc_path),),
        responses=responses,
        fetch_errors=tuple(fetch_errors),
        item_errors=tuple(item_errors or ()),
    )


def fetch_checked(client, requests, archive) -> tuple[list, list[str]]:
    """Fetch ``requests`` into ``archive``; return the responses (any status) and one error line for each
    request that failed or answered other than 200."""
    from extractors.http_client import FetchError

    results = client.fetch_many(requests, archive)
    responses = [r for r in results if not isinstance(r, FetchError)]
    errors = [str(r) for r in results if isinstance(r, FetchError)]
    errors += [f"{r.url}: HTTP {r.status}" for r in responses if r.status != 200]
    return responses, errors


def write_manifests(path: Path, manifests: list[BatchManifest]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([m.to_json() for m in manifests], indent=1), encoding="utf-8")
    return path


def fetch_countries(settings, source: str, snapshot_date: date, countries, fetch_country,
                    run_stamp: str | None = None) -> list[BatchManifest]:
    """Run ``fetch_country(country, warc_path)`` for every country concurrently; one batch and WARC each.

    Politeness is per host, in the shared client, so countries can run at once.
    """
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    run_stamp = run_stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = settings.warc_dir / source / snapshot_date.isoformat()
    workers = max(1, min(len(countries), settings.max_workers))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: fetch_country(c, folder / f"{c}-{run_stamp}.warc.gz"), countries))


_URL = re.compile(r"\bhttps?://[^\s;,)]+", re.I)


def cause_of(message: str) -> str:
    """The cause a failure line states, without the URLs, ids and news editions that differ item by item (two
    searches refused by one robots.txt have the same cause): ``robots.txt disallows <url>: <url> could not …``."""
    text = _URL.sub("<url>", str(message))
    text = re.sub(r"\d{5,}", "N", text)  # ids, ports, timestamps; status codes and counts stay
    text = re.sub(r"\b[a-z]{2}-[A-Z]{2}(?::[A-Z]{2})?\b", "<edition>", text)  # news editions (en-GB)
    return re.sub(r"^(?:<url>:?\s*)+", "", text).strip()[:200]


def origin_of(message: str) -> str | None:
    """The origin (scheme://host:port) of the first URL a failure line names, if any."""
    found = _URL.search(str(message))
    if not found:
        return None
    parts = urlsplit(found.group())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def common_causes(messages: list[str], limit: int = 2) -> str:
    """The most frequent causes of ``messages``, e.g. ``robots.txt disallows <url>: … (15 of 15)``."""
    counts = Counter(cause_of(m) for m in messages)
    return "; ".join(f"{cause} ({n} of {len(messages)})" for cause, n in counts.most_common(limit))
