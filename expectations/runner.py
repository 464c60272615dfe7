"""Run an expectation suite over a multi-batch DataFrame and attribute failures to batches.

One DataFrame holds many batches (a batch is one source × country × day, named in
``batch_column``). Every expectation is row-level and GX reports each unexpected row by its
batch column (``unexpected_index_column_names``), so a batch passes when none of its rows is
unexpected. An expectation that cannot run at all (e.g. a missing column) fails every batch.

Great Expectations is imported lazily (it takes seconds); one file-backed context per
``settings.gx_dir`` is created per process and reused, and the suite, validation definition and
checkpoint are created or updated once per process (or again when the suite's code changes).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.derived import add_derived_columns
from expectations.suites import SUITES

if TYPE_CHECKING:
    import pandas as pd

    from dramatrack_config.settings import Settings

log = logging.getLogger(__name__)

DATASOURCE_NAME = "dramatrack_frames"
BATCH_DEFINITION_NAME = "whole_frame"
MAX_EXAMPLES = 5
DOCS_INDEX_LIMIT = 100  # validation results listed on the Data Docs index page


def _result_format(batch_column: str) -> dict[str, Any]:
    """COMPLETE: every unexpected row, identified by its batch (also shown so in Data Docs)."""
    return {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [batch_column],
        "return_unexpected_index_query": False,
    }


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that failed for one batch."""

    expectation_type: str
    column: str | None  # the column, or the columns joined with ","
    unexpected_count: int  # unexpected rows of this batch
    examples: list[str] = field(default_factory=list)  # up to 5 unexpected values of this batch


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of validating one frame: which batches failed which expectations, and why."""

    success: bool
    failed_batches: dict[str, list[FailedExpectation]]
    passed_batches: list[str]
    data_docs_url: str | None
    statistics: dict[str, int]  # evaluated/successful/unsuccessful expectations, rows, batches
    suite_name: str = ""

    def summary(self) -> str:
        """One line per failed batch, for logs and alerts."""
        lines = [
            f"{self.suite_name}: {len(self.failed_batches)} failed, {len(self.passed_batches)} passed batches"
        ]
        for batch, failures in sorted(self.failed_batches.items()):
            parts = [
                f"{f.expectation_type}({f.column}) x{f.unexpected_count} e.g. {f.examples[:2]}"
                for f in failures
            ]
            lines.append(f"  {batch}: " + "; ".join(parts))
        if self.data_docs_url:
            lines.append(f"  docs: {self.data_docs_url}")
        return "\n".join(lines)


# --- context / definitions cache ---------------------------------------------------------------

_lock = threading.RLock()
_contexts: dict[Path, Any] = {}
_checkpoints: dict[tuple[Path, str], tuple[str, Any]] = {}  # (root, suite) -> (fingerprint, checkpoint)


DOCS_VIEW = {"module_name": "expectations.data_docs_view", "class_name": "EscapingJinjaPageView"}


def get_gx_context(settings: Settings) -> Any:
    """The process-wide file-backed GX context under ``settings.gx_dir`` (created on first use)."""
    root = Path(settings.gx_dir).resolve()
    with _lock:
        context = _contexts.get(root)
        if context is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            root.mkdir(parents=True, exist_ok=True)
            context = gx.get_context(mode="file", context_root_dir=str(root))
            changed = False
            bars = context.variables.progress_bars  # a dict once read back from the yml
            if isinstance(bars, ProgressBarsConfig):
                bars = {"globally": bars.globally, "metric_calculations": bars.metric_calculations}
            if (bars or {}).get("globally", True) or (bars or {}).get("metric_calculations", True):
                context.variables.progress_bars = ProgressBarsConfig(
                    globally=False, metric_calculations=False
                )
                changed = True
            # The docs index page reads every stored result it links: cap it so docs builds stay fast.
            # Every page is rendered by the escaping view (GX leaves data in table cells unescaped).
            sites = dict(context.variables.data_docs_sites or {})
            site = sites.get("local_site")
            if site is not None:
                index = dict(site.get("site_index_builder") or {"class_name": "DefaultSiteIndexBuilder"})
                wanted = {
                    **site,
                    "site_index_builder": {**index, "validation_results_limit": DOCS_INDEX_LIMIT},
                    "show_how_to_buttons": False,
                    "site_section_builders": {
                        section: {**(site.get("site_section_builders") or {}).get(section, {}),
                                  "view": DOCS_VIEW}
                        for section in ("expectations", "validations", "profiling")
                    },
                }
                if wanted != site:
                    sites["local_site"] = wanted
                    context.variables.data_docs_sites = sites
                    changed = True
            if changed:
                context.variables.save()
            _contexts[root] = context
        return context


def _suite_fingerprint(suite: Any) -> str:
    """The suite's expectations as canonical JSON, ignoring GX-assigned ids."""
    configs = []
    for expectation in suite.expectations:
        config = expectation.configuration.to_json_dict()
        config.pop("id", None)
        config.pop("rendered_content", None)
        configs.append(config)
    return json.dumps([suite.name, configs], sort_keys=True, default=str)


def _stored_checkpoint(context: Any, suite_name: str, suite: Any, batch_column: str) -> Any:
    """The stored checkpoint if it already validates exactly this suite (avoids rewriting config
    files on every process start, which concurrent tasks would race on); else None."""
    try:
        checkpoint = context.checkpoints.get(suite_name)
        stored_suite = context.suites.get(suite_name)
        (validation,) = checkpoint.validation_definitions
        stored_format = checkpoint.result_format
        same = (
            _suite_fingerprint(stored_suite) == _suite_fingerprint(suite)
            and validation.suite.name == suite_name
            and checkpoint.actions == []
            and stored_format == _result_format(batch_column)
        )
    except Exception:  # missing or unreadable: (re)create
        return None
    return checkpoint if same else None


def _get_checkpoint(context: Any, root: Path, suite_name: str, settings: Settings, batch_column: str) -> Any:
    """Create or update (once per process, or when the suite changed) the GX objects for a suite."""
    import great_expectations as gx

    suite = SUITES[suite_name](settings, batch_column=batch_column)
    fingerprint = _suite_fingerprint(suite) + batch_column
    key = (root, suite_name)
    with _lock:
        cached = _checkpoints.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]

        checkpoint = _stored_checkpoint(context, suite_name, suite, batch_column)
        if checkpoint is not None:
            _checkpoints[key] = (fingerprint, checkpoint)
            return checkpoint

        try:
            datasource = context.data_sources.get(DATASOURCE_NAME)
        except (KeyError, ValueError, LookupError):
            datasource = context.data_sources.add_pandas(DATASOURCE_NAME)
        try:
            asset = datasource.get_asset(suite_name)
        except LookupError:
            asset = datasource.add_dataframe_asset(suite_name)
        try:
            batch_definition = asset.get_batch_definition(BATCH_DEFINITION_NAME)
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)

        suite = context.suites.add_or_update(suite)
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=suite_name,
                validation_definitions=[validation],
                actions=[],
                result_format=_result_format(batch_column),
            )
        )
        _checkpoints[key] = (fingerprint, checkpoint)
        return checkpoint


# --- attribution -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (ValueError, TypeError):
            pass
    return value


def _columns(kwargs: dict[str, Any]) -> list[str]:
    if kwargs.get("column") is not None:
        return [str(kwargs["column"])]
    if kwargs.get("column_A") is not None:
        return [str(kwargs["column_A"]), str(kwargs["column_B"])]
    return [str(c) for c in kwargs.get("column_list") or []]


def _text(values: dict[str, Any], columns: list[str], batch_column: str) -> str:
    shown = [c for c in columns if c != batch_column and c in values] or list(values)
    if len(shown) == 1:
        return str(_plain(values[shown[0]]))
    return ", ".join(f"{c}={_plain(values[c])}" for c in shown)


def _attribute(
    results: Any, frame: pd.DataFrame, batch_column: str, all_batches: list[str]
) -> dict[str, list[FailedExpectation]]:
    """Map each failed expectation's unexpected rows to per-batch failures.

    Each ``unexpected_index_list`` entry is a dict holding the batch column and the expectation's
    column values (``unexpected_index_column_names=[batch_column]``); a bare row index (other
    result formats) is looked up in ``frame``. Examples come from these entries, not from GX's
    ``unexpected_list``, which GX caps at 200 values.
    """
    failed: dict[str, list[FailedExpectation]] = defaultdict(list)
    for result in results.results:
        if result.success:
            continue
        config = result.expectation_config
        etype = config.type
        columns = _columns(config.kwargs)
        label = ",".join(columns) or None
        info = result.exception_info or {}
        if info.get("raised_exception"):
            # The expectation could not run (e.g. a missing column): every batch is suspect.
            message = str(info.get("exception_message") or "expectation raised an exception")
            for batch in all_batches:
                failed[batch].append(FailedExpectation(etype, label, 0, [message[:300]]))
            continue
        per_batch: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in result.result.get("unexpected_index_list") or []:
            if not isinstance(entry, dict):
                row = frame.loc[int(entry)]
                entry = {c: row[c] for c in (batch_column, *columns) if c in frame.columns}
            per_batch[str(_plain(entry[batch_column]))].append(entry)
        if not per_batch:
            for batch in all_batches:
                failed[batch].append(FailedExpectation(etype, label, 0, ["failed without unexpected rows"]))
            continue
        for batch, entries in per_batch.items():
            examples = [_text(e, columns, batch_column) for e in entries[:MAX_EXAMPLES]]
            failed[batch].append(FailedExpectation(etype, label, len(entries), examples))
    return dict(failed)


# --- data docs ---------------------------------------------------------------------------------


def _build_docs(context: Any, suite_name: str, result_id: Any) -> str | None:
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    try:
        identifiers = [ExpectationSuiteIdentifier(name=suite_name)]
        if result_id is not None:
            identifiers.insert(0, result_id)
        context.build_data_docs(resource_identifiers=identifiers)
        if result_id is not None:
            urls = context.get_docs_sites_urls(resource_identifier=result_id)
            if urls and urls[0].get("site_url"):
                return urls[0]["site_url"]
        urls = context.get_docs_sites_urls()
        return urls[0]["site_url"] if urls else None
    except Exception:  # docs are a convenience: never fail the validation over them
        log.warning("building Data Docs failed", exc_info=True)
        return None


# --- entry point -------------------------------------------------------------------------------


def validate_frame(
    suite_name: str,
    df: pd.DataFrame,
    *,
    settings: Settings,
    batch_column: str = "batch_id",
    build_docs: bool | str = True,
    run_name: str | None = None,
) -> ValidationOutcome:
    """Validate ``df`` against the named suite and attribute each failure to its batch.

    ``df`` has one row per record plus ``batch_column``; the suite's derived columns are added
    here. With ``build_docs`` the local Data Docs site under ``settings.gx_dir`` is updated and
    ``data_docs_url`` points at this validation's page; ``build_docs="on_failure"`` updates it only when
    the validation failed (the result is stored either way; building the site costs ~0.3 s). ``run_name`` (e.g. the pipeline day)
    names the run in the stored result and the Data Docs path.
    """
    if suite_name not in SUITES:
        raise ValueError(f"unknown suite {suite_name!r}; known: {sorted(SUITES)}")
    if batch_column not in df.columns:
        raise KeyError(f"frame has no batch column {batch_column!r}")
    if df[batch_column].isna().any():
        raise ValueError(f"{int(df[batch_column].isna().sum())} rows have no {batch_column}")

    frame = add_derived_columns(suite_name, df, batch_column)
    all_batches = sorted(set(frame[batch_column].astype(str)))
    if frame.empty:
        stats = {
            "evaluated_expectations": 0,
            "successful_expectations": 0,
            "unsuccessful_expectations": 0,
            "rows": 0,
            "batches": 0,
        }
        return ValidationOutcome(True, {}, [], None, stats, suite_name)

    context = get_gx_context(settings)
    root = Path(settings.gx_dir).resolve()
    checkpoint = _get_checkpoint(context, root, suite_name, settings, batch_column)

    from great_expectations.core.run_identifier import RunIdentifier

    started = time.perf_counter()
    run_id = RunIdentifier(run_name=run_name) if run_name else None
    checkpoint_result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
    (result_id, results), *_ = checkpoint_result.run_results.items()
    log.debug("validated %s (%d rows) in %.2fs", suite_name, len(frame), time.perf_counter() - started)

    failed = _attribute(results, frame, batch_column, all_batches)
    passed = [b for b in all_batches if b not in failed]
    stats = {
        k: int(results.statistics.get(k, 0) or 0)
        for k in ("evaluated_expectations", "successful_expectations", "unsuccessful_expectations")
    }
    stats.update(rows=len(frame), batches=len(all_batches))
    success = bool(results.success) and not failed
    wanted = build_docs is True or (build_docs == "on_failure" and not success)
    url = _build_docs(context, suite_name, result_id) if wanted else None
    return ValidationOutcome(
        success=success,
        failed_batches={b: failed[b] for b in sorted(failed)},
        passed_batches=passed,
        data_docs_url=url,
        statistics=stats,
        suite_name=suite_name,
    )
