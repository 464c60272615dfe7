"""What the stage step produces for one batch (:class:`StagedBatch`), and the archived responses it reads.

Shared by the per-source stage steps (``stage`` for the stores, ``stage_news`` for news), which import this
module and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from extractors.batches import BatchManifest
from extractors.warc_archive import iter_responses
from transforms.records import AppLookup, AppRecord, ChartEntry, PlayAppDetails


def item_batch_id(batch_id: str, item: str) -> str:
    """The batch id of one item (an app page) inside a batch: quarantined on its own when it fails."""
    return f"{batch_id}:{item}"


@dataclass
class StagedBatch:
    """Typed records of one batch, ready to validate and load."""

    manifest: BatchManifest
    chart_entries: list[ChartEntry] = field(default_factory=list)
    lookups: list[AppLookup] = field(default_factory=list)
    apps: list[AppRecord] = field(default_factory=list)
    play_details: list[PlayAppDetails] = field(default_factory=list)
    fetch_log_rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # item batch id -> problems of that item alone (an app page that failed); the rest of the batch loads
    item_problems: dict[str, list[str]] = field(default_factory=dict)
    parsed_items: list[str] = field(default_factory=list)  # news: searches and feeds fetched and parsed (may be empty)
    # News batches (dramatrack.pipeline.stage_news): one row per story, its app mentions, its reported figures
    articles: list = field(default_factory=list)
    mentions: list = field(default_factory=list)
    metrics: list = field(default_factory=list)

    @property
    def batch_id(self) -> str:
        return self.manifest.batch_id

    @property
    def snapshot_date(self) -> date:
        return date.fromisoformat(self.manifest.snapshot_date)

    def counts(self) -> dict[str, int]:
        return {"chart_entries": len(self.chart_entries), "lookups": len(self.lookups),
                "play_details": len(self.play_details), "apps": len(self.apps), "responses": len(self.fetch_log_rows)}

    def drop_items(self, item_ids: set[str]) -> None:
        """Remove the app pages of failed items, so the batch loads without them."""
        self.play_details = [d for d in self.play_details
                             if item_batch_id(self.batch_id, d.app_id) not in item_ids]


def archived_responses(staged: StagedBatch):
    """Every response of the batch's WARC files (indexed into the fetch log), or a problem if unreadable."""
    manifest = staged.manifest
    for path in manifest.warc_paths:
        try:
            responses = list(iter_responses(path))
        except (OSError, ValueError) as exc:
            staged.problems.append(f"{manifest.source}: {path}: unreadable WARC ({exc})")
            continue
        for resp in responses:
            row = resp.index_row()
            row.update(batch_id=manifest.batch_id, source=manifest.source)
            staged.fetch_log_rows.append(row)
            if resp.status == 200 and not resp.tags.get("truncated") and not resp.tags.get("incomplete"):
                yield resp  # non-200 attempts were retried; a final failure is already in the manifest
