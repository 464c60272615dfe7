"""Plausibility of reported figures: each figure the press reports goes through the
``reported_figures_plausible`` GX suite on its own; a failed one is kept, marked with its reason, and loads into
``core.reported_metrics_rejected`` instead of ``core.reported_metrics``. The article always loads."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from dramatrack.pipeline.stage_news import NEWS
from transforms.records import to_dict

if TYPE_CHECKING:
    import pandas as pd

    from dramatrack.pipeline.stage import StagedBatch
    from dramatrack.settings import Settings

FIGURE_ID = "figure_id"


def figure_frame(staged: list[StagedBatch]) -> pd.DataFrame:
    """One row per staged figure of the news batches, with ``figure_id`` = batch|item|url|figure_key."""
    import pandas as pd

    rows = []
    for batch in staged:
        if batch.manifest.source != NEWS:
            continue
        for record in batch.metrics:
            row = to_dict(record)
            row[FIGURE_ID] = figure_id(batch.batch_id, record)
            rows.append(row)
    return pd.DataFrame(rows)


def figure_id(batch_id: str, record) -> str:
    """The identity of one staged figure in a validation run."""
    return f"{batch_id}|{record.item}|{record.canonical_url}|{record.figure_key}"


def reject_implausible_figures(settings: Settings, staged: list[StagedBatch], run_name: str | None = None
                               ) -> dict[str, str]:
    """Validate every staged figure; mark each failed one with its reason (in place). Returns id → reason."""
    from expectations.runner import validate_frame
    from expectations.suites import PLAUSIBILITY_REASONS, REPORTED_FIGURES_PLAUSIBLE

    frame = figure_frame(staged)
    if frame.empty:
        return {}
    outcome = validate_frame(REPORTED_FIGURES_PLAUSIBLE, frame, settings=settings, batch_column=FIGURE_ID,
                             run_name=run_name, build_docs=False)
    reasons = {fid: "; ".join(sorted({PLAUSIBILITY_REASONS.get(f.column or "", f.expectation_type) for f in failed}))
               for fid, failed in outcome.failed_batches.items()}
    for batch in staged:
        if batch.manifest.source != NEWS:
            continue
        batch.metrics = [replace(r, rejected_reason=reasons[figure_id(batch.batch_id, r)])
                         if figure_id(batch.batch_id, r) in reasons else r for r in batch.metrics]
    return reasons
