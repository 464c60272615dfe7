"""Expectation suites + runner: clean data passes; planted defects fail only their own batch."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pandas as pd
import pytest

from dramatrack.settings import Settings
from expectations import runner
from expectations.derived import add_chart_entry_columns
from expectations.runner import ValidationOutcome, validate_frame
from expectations.suites import APP_LOOKUPS, CHART_ENTRIES
from transforms.records import AppLookup, ChartEntry

COUNTRIES = ["us", "gb", "de"]
CHARTS = ["top-free", "top-grossing"]
ROWS = 20
DAY = "2025-06-01"


def batch_of(country: str, source: str = "appstore_rss") -> str:
    return f"{source}:{country}:{DAY}"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), countries=COUNTRIES)


@pytest.fixture
def entries() -> pd.DataFrame:
    rows = []
    for country in COUNTRIES:
        for chart in CHARTS:
            for rank in range(1, ROWS + 1):
                entry = ChartEntry(
                    store="app_store",
                    country=country,
                    chart=chart,
                    genre="6016",
                    feed="rss_v2",
                    rank=rank,
                    store_app_id=str(1_500_000_000 + rank),
                    name=f"Drama {rank}",
                    price=0.0 if rank % 3 else None,
                    currency="USD",
                )
                rows.append({**asdict(entry), "batch_id": batch_of(country)})
    return pd.DataFrame(rows)


@pytest.fixture
def lookups() -> pd.DataFrame:
    rows = []
    for country in COUNTRIES:
        for i in range(ROWS):
            lookup = AppLookup(
                country=country,
                track_id=str(1_500_000_000 + i),
                name=f"Drama {i}",
                bundle_id=f"com.drama.app{i}",
                seller="Seller",
                artist="Artist",
                kind="software",
                primary_genre="Entertainment",
                primary_genre_id="6016",
                genre_ids=("6016",),
                user_rating_count=None if i == 0 else 10 * i,
                average_user_rating=None if i == 0 else 4.5,
                user_rating_count_current_version=None,
                average_user_rating_current_version=None,
                version="1.0",
                price=0.0,
                currency="USD",
                release_date="2024-01-01T00:00:00Z",
                current_version_release_date=None,
                file_size_bytes=1000,
                description="A short drama.",
            )
            rows.append({**asdict(lookup), "batch_id": batch_of(country, "itunes_lookup")})
    return pd.DataFrame(rows)


def row(df: pd.DataFrame, country: str, chart: str | None = None, rank: int | None = None) -> int:
    """The index of the first matching row."""
    mask = df["country"] == country
    if chart is not None:
        mask &= df["chart"] == chart
    if rank is not None:
        mask &= df["rank"] == rank
    return int(df.index[mask][0])


def assert_only_batch_fails(
    outcome: ValidationOutcome, batch: str, expectation_type: str, column: str
) -> None:
    assert not outcome.success
    assert list(outcome.failed_batches) == [batch]
    failures = {(f.expectation_type, f.column): f for f in outcome.failed_batches[batch]}
    assert (expectation_type, column) in failures, failures
    failure = failures[(expectation_type, column)]
    assert failure.unexpected_count >= 1
    assert 1 <= len(failure.examples) <= runner.MAX_EXAMPLES
    assert all(isinstance(e, str) for e in failure.examples)
    all_batches = {batch_of(c) for c in COUNTRIES} | {batch_of(c, "itunes_lookup") for c in COUNTRIES}
    assert set(outcome.passed_batches) | {batch} <= all_batches
    assert len(outcome.passed_batches) == len(COUNTRIES) - 1
    assert batch not in outcome.passed_batches


def test_expected_rank_and_chart_size_are_per_chart() -> None:
    df = pd.DataFrame(
        {
            "batch_id": ["b"] * 4 + ["c"] * 2,
            "store": "app_store",
            "country": "us",
            "chart": "top-free",
            "genre": "all",
            "rank": [2, 1, 2, 4, 1, 2],
        }
    )
    out = add_chart_entry_columns(df)
    assert out["expected_rank"].tolist() == [2, 1, 3, 4, 1, 2]
    assert out["chart_size"].tolist() == [4, 4, 4, 4, 2, 2]


def test_clean_entries_pass(settings: Settings, entries: pd.DataFrame) -> None:
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert outcome.success, outcome.summary()
    assert outcome.failed_batches == {}
    assert outcome.passed_batches == sorted(batch_of(c) for c in COUNTRIES)
    stats = outcome.statistics
    assert stats["evaluated_expectations"] == stats["successful_expectations"] > 0
    assert stats["rows"] == len(entries) and stats["batches"] == len(COUNTRIES)


def test_clean_lookups_pass(settings: Settings, lookups: pd.DataFrame) -> None:
    outcome = validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False)
    assert outcome.success, outcome.summary()
    assert len(outcome.passed_batches) == len(COUNTRIES)


def test_duplicate_rank(settings: Settings, entries: pd.DataFrame) -> None:
    entries.loc[row(entries, "gb", "top-free", 6), "rank"] = 5
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert_only_batch_fails(
        outcome, batch_of("gb"), "expect_column_pair_values_to_be_equal", "rank,expected_rank"
    )
    assert_only_batch_fails(
        outcome,
        batch_of("gb"),
        "expect_compound_columns_to_be_unique",
        "batch_id,store,country,chart,genre,rank",
    )
    dup = next(f for f in outcome.failed_batches[batch_of("gb")] if f.column.endswith(",rank"))
    assert dup.unexpected_count == 2 and "rank=5" in dup.examples[0]


def test_rank_gap(settings: Settings, entries: pd.DataFrame) -> None:
    entries = entries.drop(index=row(entries, "de", "top-grossing", 7))
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert_only_batch_fails(
        outcome, batch_of("de"), "expect_column_pair_values_to_be_equal", "rank,expected_rank"
    )
    (gap,) = outcome.failed_batches[batch_of("de")]
    assert gap.unexpected_count == ROWS - 7  # ranks 8..20 sit one place too high
    assert gap.examples[0] == "rank=8, expected_rank=7"


def test_duplicate_app_in_chart(settings: Settings, entries: pd.DataFrame) -> None:
    entries.loc[row(entries, "us", "top-free", 3), "store_app_id"] = str(1_500_000_000 + 2)
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert_only_batch_fails(
        outcome,
        batch_of("us"),
        "expect_compound_columns_to_be_unique",
        "batch_id,store,country,chart,genre,store_app_id",
    )
    (failure,) = outcome.failed_batches[batch_of("us")]
    assert failure.unexpected_count == 2


def test_bad_country(settings: Settings, entries: pd.DataFrame) -> None:
    entries.loc[row(entries, "de", "top-free", 20), "country"] = "zz"
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert_only_batch_fails(outcome, batch_of("de"), "expect_column_values_to_be_in_set", "country")
    in_set = next(f for f in outcome.failed_batches[batch_of("de")] if f.column == "country")
    assert in_set.unexpected_count == 1 and in_set.examples == ["zz"]


def test_malformed_app_store_id(settings: Settings, entries: pd.DataFrame) -> None:
    entries.loc[row(entries, "gb", "top-grossing", 10), "store_app_id"] = "id12ab"
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert_only_batch_fails(outcome, batch_of("gb"), "expect_column_values_to_match_regex", "store_app_id")
    assert outcome.failed_batches[batch_of("gb")][0].examples == ["id12ab"]


def test_google_play_ids_use_package_regex(settings: Settings, entries: pd.DataFrame) -> None:
    us = entries["country"] == "us"
    entries.loc[us, "store"] = "google_play"
    entries.loc[us, "store_app_id"] = [f"com.drama.app{i}" for i in range(int(us.sum()))]
    assert validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False).success
    entries.loc[row(entries, "us", "top-free", 1), "store_app_id"] = "1234567"
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert_only_batch_fails(outcome, batch_of("us"), "expect_column_values_to_match_regex", "store_app_id")


def test_chart_too_small(settings: Settings, entries: pd.DataFrame) -> None:
    small = entries[
        ~((entries["country"] == "us") & (entries["chart"] == "top-free") & (entries["rank"] > 5))
    ]
    outcome = validate_frame(CHART_ENTRIES, small, settings=settings, build_docs=False)
    assert_only_batch_fails(outcome, batch_of("us"), "expect_column_values_to_be_between", "chart_size")


def test_rating_out_of_range(settings: Settings, lookups: pd.DataFrame) -> None:
    lookups.loc[row(lookups, "gb"), "average_user_rating"] = 7.0
    outcome = validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False)
    assert_only_batch_fails(
        outcome, batch_of("gb", "itunes_lookup"), "expect_column_values_to_be_between", "average_user_rating"
    )
    assert outcome.failed_batches[batch_of("gb", "itunes_lookup")][0].examples == ["7.0"]


def test_negative_rating_count(settings: Settings, lookups: pd.DataFrame) -> None:
    lookups.loc[row(lookups, "de") + 3, "user_rating_count"] = -1
    outcome = validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False)
    assert_only_batch_fails(
        outcome, batch_of("de", "itunes_lookup"), "expect_column_values_to_be_between", "user_rating_count"
    )


def test_malformed_track_id_and_duplicate_lookup(settings: Settings, lookups: pd.DataFrame) -> None:
    first_us = row(lookups, "us")
    lookups.loc[first_us, "track_id"] = "abc"
    lookups.loc[first_us + 2, "track_id"] = lookups.loc[first_us + 1, "track_id"]
    outcome = validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False)
    batch = batch_of("us", "itunes_lookup")
    assert_only_batch_fails(outcome, batch, "expect_column_values_to_match_regex", "track_id")
    assert_only_batch_fails(
        outcome, batch, "expect_compound_columns_to_be_unique", "batch_id,country,track_id"
    )


def test_data_docs_page_and_reuse_across_processes(settings: Settings, entries: pd.DataFrame) -> None:
    entries.loc[row(entries, "gb", "top-free", 6), "rank"] = 5
    outcome = validate_frame(CHART_ENTRIES, entries, settings=settings, run_name=DAY)
    assert outcome.data_docs_url and outcome.data_docs_url.startswith("file://")
    page = Path(url2pathname(urlsplit(outcome.data_docs_url).path))
    assert page.is_file() and page.is_relative_to(settings.gx_dir)
    assert "validations" in page.parts and DAY in page.parts
    assert batch_of("gb") in page.read_text()  # unexpected rows are shown by batch id

    # A new process reuses the stored suite/checkpoint without rewriting them.
    suite_file = settings.gx_dir / "expectations" / f"{CHART_ENTRIES}.json"
    mtime = suite_file.stat().st_mtime_ns
    runner._contexts.clear()
    runner._checkpoints.clear()
    again = validate_frame(CHART_ENTRIES, entries, settings=settings, build_docs=False)
    assert again.failed_batches.keys() == outcome.failed_batches.keys()
    assert suite_file.stat().st_mtime_ns == mtime


def test_unknown_suite_and_missing_batch_column(settings: Settings, entries: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        validate_frame("nope", entries, settings=settings)
    with pytest.raises(KeyError):
        validate_frame(CHART_ENTRIES, entries.drop(columns="batch_id"), settings=settings)


def test_missing_column_fails_every_batch(settings: Settings, lookups: pd.DataFrame) -> None:
    outcome = validate_frame(APP_LOOKUPS, lookups.drop(columns="price"), settings=settings, build_docs=False)
    assert not outcome.success and outcome.passed_batches == []
    assert set(outcome.failed_batches) == {batch_of(c, "itunes_lookup") for c in COUNTRIES}
    (failure,) = outcome.failed_batches[batch_of("us", "itunes_lookup")]
    assert failure.column == "price" and failure.unexpected_count == 0


@pytest.mark.parametrize("field", ["user_rating_count", "average_user_rating"])
def test_a_field_vanishing_from_a_whole_batch_fails_that_batch(settings: Settings, lookups: pd.DataFrame,
                                                                field: str) -> None:
    """Issue 15 case 4: one app without ratings is normal (row 0 of every batch has none); the field missing
    from every row of one batch (renamed upstream) fails that batch alone, named by the field's fill rate."""
    gb = batch_of(COUNTRIES[1], "itunes_lookup")
    assert validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False).success
    lookups.loc[lookups["batch_id"] == gb, field] = None
    outcome = validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False)
    assert list(outcome.failed_batches) == [gb]
    (failure,) = outcome.failed_batches[gb]
    assert failure.column == f"{field}_fill" and failure.unexpected_count == ROWS


def test_a_fill_rate_collapsing_against_recent_days_fails_that_batch(settings: Settings,
                                                                     lookups: pd.DataFrame) -> None:
    """Issue 15 case 4, second half: ratings on 30 % of a batch's rows is above the absolute floor, but against
    the storefront's 95 % of recent days it is a layout change (the field moved for most apps). Storefronts
    with no history, and batches filled as usual, pass."""
    from expectations.suites import MIN_FILL_RATE, MIN_FILL_VS_RECENT

    gb, de = batch_of("gb", "itunes_lookup"), batch_of("de", "itunes_lookup")
    recent = {"us": 0.95, "gb": 0.95}  # de: no recent days
    lookups["recent_user_rating_count_fill"] = lookups["country"].map(recent)
    lookups["recent_average_user_rating_fill"] = lookups["country"].map(recent)
    assert validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False).success
    kept = int(ROWS * 0.3)
    assert kept / ROWS > MIN_FILL_RATE and kept / ROWS < 0.95 * MIN_FILL_VS_RECENT
    for batch in (gb, de):
        rows = lookups.index[lookups["batch_id"] == batch]
        lookups.loc[rows[kept:], "user_rating_count"] = None
    outcome = validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False)
    assert list(outcome.failed_batches) == [gb]  # de has nothing to compare with and is above the floor
    (failure,) = outcome.failed_batches[gb]
    assert failure.column == "user_rating_count_fill_vs_recent" and failure.unexpected_count == ROWS


def test_a_field_gone_from_a_whole_batch_fails_once_not_also_against_recent_days(settings: Settings,
                                                                                 lookups: pd.DataFrame) -> None:
    """One cause, one failure: a field missing from every row fails the absolute floor only."""
    lookups["recent_user_rating_count_fill"] = 0.95
    gb = batch_of("gb", "itunes_lookup")
    lookups.loc[lookups["batch_id"] == gb, "user_rating_count"] = None
    outcome = validate_frame(APP_LOOKUPS, lookups, settings=settings, build_docs=False)
    assert [f.column for f in outcome.failed_batches[gb]] == ["user_rating_count_fill"]


def test_fill_rates_are_per_page_batch_and_tiny_batches_are_not_judged() -> None:
    from expectations.derived import add_derived_columns
    from expectations.suites import FILL_MIN_ROWS, PLAY_APP_DETAILS

    rows = [{"batch_id": f"google_play:{DAY}:gb:com.app.n{i}", "batch": f"google_play:{DAY}:gb",
             "real_installs": None, "min_installs": 10, "ratings": 5, "score": 4.0} for i in range(FILL_MIN_ROWS)]
    rows += [{"batch_id": f"google_play:{DAY}:us:com.app.n{i}", "batch": f"google_play:{DAY}:us",
              "real_installs": None, "min_installs": 10, "ratings": 5, "score": 4.0} for i in range(FILL_MIN_ROWS - 1)]
    out = add_derived_columns(PLAY_APP_DETAILS, pd.DataFrame(rows))
    assert out["real_installs_fill"].tolist() == [0.0] * FILL_MIN_ROWS + [1.0] * (FILL_MIN_ROWS - 1)
    assert set(out["ratings_fill"]) == {1.0}


def test_recent_fill_rates_come_from_the_snapshot_per_storefront(tmp_path: Path) -> None:
    """Validation reads each field's fill rate over the 7 loaded days before the day, per suite and storefront,
    from the published snapshot; a storefront with too few recent rows has nothing to compare with."""
    from datetime import date, timedelta
    from types import SimpleNamespace

    from dramatrack.pipeline.validate_load import _history, _with_recent_fill
    from warehouse.connection import connect
    from warehouse.snapshot import publish_snapshot

    settings = Settings(data_dir=tmp_path)
    day = date(2026, 11, 10)
    conn = connect(settings.warehouse_path)
    rows = []
    for back in (1, 2, 3, 9, 0):  # 9 days back and the day itself are outside the window
        d = day - timedelta(days=back)
        inside = 1 <= back <= 7
        for i in range(10):
            ratings = (i < 9) if inside else False  # 90 % inside the window, none outside it
            rows.append((d, "app_store", "us", f"1{i:08d}", 100 if ratings else None, 4.5))
            rows.append((d, "google_play", "us", f"com.app.n{i}", 50, None))
        rows.append((d, "app_store", "gb", "100000001", 100, 4.5))  # one row a day: too few
    conn.executemany("INSERT INTO core.app_metrics (snapshot_date, store, country, store_app_id, "
                     "user_rating_count, average_user_rating) VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.execute("UPDATE core.app_metrics SET real_installs = 1000, min_installs = 500 WHERE store = 'google_play'")
    conn.close()
    publish_snapshot(settings.warehouse_path, settings.snapshot_path)

    recent = _history(settings, [SimpleNamespace(snapshot_date=day, play_details=[])]).recent_fill
    assert recent[("app_lookups", "us", "user_rating_count")] == pytest.approx(0.9)
    assert recent[("app_lookups", "us", "average_user_rating")] == 1.0
    assert recent[("play_app_details", "us", "ratings")] == 1.0  # Play ratings are stored as user_rating_count
    assert recent[("play_app_details", "us", "score")] == 0.0
    assert recent[("play_app_details", "us", "real_installs")] == 1.0
    assert not any(country == "gb" for _, country, _ in recent)

    frame = pd.DataFrame({"country": ["us", "gb"], "user_rating_count": [1, 2], "average_user_rating": [4.0, 4.0]})
    out = _with_recent_fill(APP_LOOKUPS, frame, recent)
    assert out["recent_user_rating_count_fill"].tolist()[0] == pytest.approx(0.9)
    assert pd.isna(out["recent_user_rating_count_fill"].tolist()[1])
