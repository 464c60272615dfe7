"""The inbox: WARC files and re-run requests dropped into ``<data_dir>/inbox/`` become ingest runs.

* A **re-run request** is a JSON file ``{"source": "app_store", "date": "2026-11-01", "countries": ["us"]}``
  (``countries`` optional: all configured; ``replay`` optional: a WARC file or folder to replay; without it
  the day is replayed from the archive ``<data_dir>/raw/<source>/<date>/``, or fetched live when it is today).
* A **WARC file** (``*.warc.gz`` / ``*.warc``) written by DramaTrack's archive: its source and countries are
  read from the records' tags, its day from an ISO date in the file name, else from the first record's fetch
  time (UTC). It is replayed as it is.

Each item is claimed by moving it to ``inbox/done/<UTC stamp>-<name>`` *before* its event is sent, so an
item fires exactly once, also across triggerer restarts; a file that cannot be read goes to
``inbox/rejected/`` with a ``.error.txt`` beside it. A file still being written (modified less than
``inbox_settle_seconds`` ago) waits for the next scan. The same request may arrive as a message on the
Redis pub/sub channel ``inbox_redis_channel`` (see :func:`request_from_message`).
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

SOURCES = ("app_store", "google_play")
WARC_SUFFIXES = (".warc.gz", ".warc")
_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")
_COUNTRY = re.compile(r"^[a-z]{2}$")


class InboxError(ValueError):
    """An inbox item that cannot become a run (the one-line reason is kept beside the rejected file)."""


def inbox_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "inbox"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def parse_request(doc: Any) -> dict[str, Any]:
    """A validated re-run request: ``{"source", "date", "countries", "replay"}`` (countries/replay may be None)."""
    if not isinstance(doc, dict):
        raise InboxError("a re-run request is a JSON object")
    source = doc.get("source")
    if source not in SOURCES:
        raise InboxError(f"source must be one of {list(SOURCES)}, got {source!r}")
    try:
        day = date.fromisoformat(str(doc.get("date")))
    except ValueError:
        raise InboxError(f"date must be YYYY-MM-DD, got {doc.get('date')!r}") from None
    countries = doc.get("countries")
    if countries is not None:
        if isinstance(countries, str):
            countries = [c.strip() for c in countries.split(",") if c.strip()]
        if not isinstance(countries, list) or not all(isinstance(c, str) for c in countries):
            raise InboxError("countries must be a list of ISO codes")
        countries = [c.lower() for c in countries]
        bad = [c for c in countries if not _COUNTRY.match(c)]
        if bad or not countries:
            raise InboxError(f"countries must be ISO 3166 alpha-2 codes, got {bad or countries}")
    replay = doc.get("replay")
    if replay is not None:
        if not isinstance(replay, str) or not Path(replay).exists():
            raise InboxError(f"replay path {replay!r} does not exist")
    return {"source": source, "date": day.isoformat(), "countries": countries, "replay": replay}


def request_from_message(data: bytes | str) -> dict[str, Any]:
    """A re-run request from a Redis pub/sub message (the same JSON as a request file)."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise InboxError(f"not JSON: {exc}") from None
    return parse_request(doc)


def _sources_of(path: Path) -> set[str]:
    from extractors.warc_archive import iter_responses

    return {str(r.tags.get("source")) for r in iter_responses(path) if r.tags.get("source")}


def warc_source(path: Path) -> str:
    """The source named by a WARC's record tags (raises :class:`InboxError` when not exactly one known)."""
    try:
        found = _sources_of(path)
    except Exception as exc:  # warcio raises several kinds on a truncated or foreign file
        raise InboxError(f"unreadable WARC ({type(exc).__name__}: {exc})") from None
    if len(found) != 1 or next(iter(found)) not in SOURCES:
        raise InboxError(f"the WARC's records name sources {sorted(found)}, not exactly one of {list(SOURCES)}")
    return next(iter(found))


def inspect_warc(path: Path) -> dict[str, Any]:
    """Day and countries of a DramaTrack WARC file: the countries from its records' tags, the day from an
    ISO date in the file name, else from the first record's fetch time (UTC)."""
    from extractors.warc_archive import iter_responses

    countries: set[str] = set()
    first_fetch: datetime | None = None
    try:
        for resp in iter_responses(path):
            if resp.tags.get("country"):
                countries.add(str(resp.tags["country"]).lower())
            if first_fetch is None:
                first_fetch = resp.fetched_at
    except Exception as exc:
        raise InboxError(f"unreadable WARC ({type(exc).__name__}: {exc})") from None
    named = _ISO_DAY.search(path.name)
    if named:
        day = date.fromisoformat(named.group(1))
    elif first_fetch is not None:
        day = first_fetch.astimezone(UTC).date()
    else:
        raise InboxError("the WARC holds no response record")
    return {"date": day.isoformat(), "countries": sorted(countries) or None}


def _move(path: Path, folder: Path) -> Path | None:
    """Move ``path`` into ``folder`` under a stamped name; None when someone else moved it first."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{_stamp()}-{path.name}"
    try:
        path.rename(target)
    except FileNotFoundError:
        return None
    return target


def reject(path: Path, inbox: Path, reason: str) -> Path | None:
    """Move a bad item to ``inbox/rejected/`` with its reason beside it."""
    target = _move(path, inbox / "rejected")
    if target is not None:
        target.with_name(target.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
    return target


def _ready(path: Path, settle_seconds: float, now: float) -> bool:
    if not path.is_file() or path.name.startswith((".", "~")) or path.name.endswith((".tmp", ".part")):
        return False
    try:
        return now - path.stat().st_mtime >= settle_seconds
    except FileNotFoundError:
        return False


def scan_inbox(data_dir: Path, source: str, *, settle_seconds: float = 2.0, log=None) -> list[dict[str, Any]]:
    """Claim every ready inbox item of ``source``; return one event payload per claimed item.

    Items of the other source are left for its own watcher; unreadable ones are rejected.
    """
    inbox = inbox_dir(data_dir)
    if not inbox.is_dir():
        return []
    now = time.time()
    events = []
    for path in sorted(inbox.iterdir()):
        if not _ready(path, settle_seconds, now):
            continue
        try:
            if path.name.endswith(".json"):
                request = parse_request(json.loads(path.read_text(encoding="utf-8")))
                if request["source"] != source:
                    continue
                kind = "rerun_request"
            elif path.name.endswith(WARC_SUFFIXES):
                if warc_source(path) != source:
                    continue
                request = {"source": source, **inspect_warc(path), "replay": None}
                kind = "warc_file"
            else:
                continue  # not ours (a README, an editor's backup): left alone
        except (InboxError, ValueError, OSError) as exc:
            reason = f"{path.name}: {exc}"
            if reject(path, inbox, reason) is not None and log is not None:
                log.warning("inbox item rejected: %s", reason)
            continue
        claimed = _move(path, inbox / "done")
        if claimed is None:
            continue  # the other watcher (or an operator) moved it first
        if kind == "warc_file":
            request["replay"] = str(claimed)
        events.append({"kind": kind, **request, "item": str(claimed), "received_at": datetime.now(UTC).isoformat()})
        if log is not None:
            log.info("inbox item %s claimed: %s %s %s", path.name, source, request["date"], request["countries"])
    return events
