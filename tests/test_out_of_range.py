"""Numbers beyond 64 bits (issue 15, case 1): every integer field of every parser is bounded (int64), a larger
value is a ``ParseError`` naming the field and the value, and staging refuses (names) a record that does not
fit its schema instead of crashing the day. The pipeline outcome (that batch or item quarantined, the rest of
the day loaded) is a cell of the fault matrix (``out_of_range``)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from transforms.errors import ParseError
from transforms.records import MAX_INT64

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOO_BIG = 2**63  # one past int64: the smallest value that used to crash pa.Table.from_pylist
LOOKUP_FIELDS = ("userRatingCount", "userRatingCountForCurrentVersion", "fileSizeBytes")


def _lookup_body(field: str, value) -> bytes:
    doc = json.loads((FIXTURES / "appstore" / "lookup_dramas_us.json").read_bytes())
    doc["results"][0][field] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize(("field", "as_string"), [(f, False) for f in LOOKUP_FIELDS] + [("fileSizeBytes", True)])
def test_lookup_count_beyond_int64_is_a_parse_error_naming_field_and_value(field, as_string):
    """fileSizeBytes is a digit string in real answers: both forms are bounded."""
    from transforms.itunes_lookup import parse_itunes_lookup

    value = str(TOO_BIG) if as_string else TOO_BIG
    with pytest.raises(ParseError) as err:
        parse_itunes_lookup(_lookup_body(field, value), country="us")
    assert err.value.field == field
    assert field in str(err.value) and str(TOO_BIG) in str(err.value) and "out of range" in str(err.value)
    # the largest int64 is still a (valid, if absurd) count
    (first, *_) = parse_itunes_lookup(_lookup_body(field, MAX_INT64), country="us")
    assert MAX_INT64 in (first.user_rating_count, first.user_rating_count_current_version, first.file_size_bytes)


def _play_page(**overrides) -> tuple[bytes, dict[str, int]]:
    """A details page whose numbers are distinct sentinels (so one can be replaced in the bytes)."""
    from sample_data.play_payloads import PlayApp, render_details_page

    app = PlayApp(package="com.example.drama", title="Example Drama", developer="Example Studio",
                  category="ENTERTAINMENT", category_name="Entertainment", score=4.5, ratings=1_000_003,
                  reviews=40_009, real_installs=123_456_789, version="1.2.3",
                  updated=datetime(2026, 10, 1, 12, 0, 7, tzinfo=UTC), released="Jun 1, 2022", summary="Dramas.")
    sentinels = {"real_installs": app.real_installs, "ratings": app.ratings, "reviews": app.reviews,
                 "min_installs": 100_000_000, "histogram": round(app.ratings * 0.74),
                 "updated": int(app.updated.timestamp())}
    return render_details_page(app), sentinels


@pytest.mark.parametrize("field", ["real_installs", "min_installs", "ratings", "reviews", "histogram", "updated"])
def test_play_details_count_beyond_int64_is_a_parse_error_naming_field_and_value(field):
    from transforms.google_play_details import parse_play_details

    page, sentinels = _play_page()
    number = re.compile(rb"(?<=[\[,])" + str(sentinels[field]).encode() + rb"(?=[,\]])")
    bad, replaced = number.subn(str(TOO_BIG).encode(), page, count=1)
    assert replaced == 1, field
    with pytest.raises(ParseError) as err:
        parse_play_details(bad, app_id="com.example.drama")
    assert err.value.field == field and str(TOO_BIG) in str(err.value), str(err.value)
    assert parse_play_details(page, app_id="com.example.drama").real_installs == sentinels["real_installs"]


def test_play_chart_price_beyond_int64_is_a_parse_error():
    from transforms.google_play_chart import parse_play_chart

    body = (FIXTURES / "google_play" / "chart_entertainment_us.txt").read_bytes()
    entries = parse_play_chart(body, country="us", chart="top-free", genre="ENTERTAINMENT")
    assert entries
    # the price offer [micros, "USD", ...] is JSON inside a JSON string: its quotes are escaped
    marker = b'[0,\\\\\\"USD\\\\\\"'
    if marker not in body:
        marker = b'[0,\\"USD\\"'
    assert marker in body
    bad = body.replace(marker, marker.replace(b"[0,", b"[" + str(TOO_BIG).encode() + b","), 1)
    with pytest.raises(ParseError, match="out of range"):
        parse_play_chart(bad, country="us", chart="top-free", genre="ENTERTAINMENT")


def test_a_huge_figure_in_a_story_is_not_a_figure():
    from transforms.news_metrics import extract_metrics

    apps = [("reelshort", ["ReelShort"])]
    metrics = extract_metrics("ReelShort reached 99999999999999999999999999 downloads in 2025 and 5 million "
                              "users.", apps=apps)
    assert all(abs(m.value) < 1e15 for m in metrics)
    assert any(m.value == 5_000_000 for m in metrics), "the sound figure beside it is still read"


def test_staging_names_the_field_and_value_that_does_not_fit(tmp_path):
    from dramatrack.pipeline.stage import StagedBatch
    from dramatrack.pipeline.staging_store import StagingError, load_staged, save_staged
    from extractors.batches import BatchManifest
    from transforms.records import ChartEntry

    manifest = BatchManifest(batch_id="app_store:2026-11-02:gb", source="app_store", snapshot_date="2026-11-02",
                             country="gb", warc_paths=(), responses=0)
    entry = ChartEntry(store="app_store", country="gb", chart="top-free", genre="all", feed="rss_v2", rank=1,
                       store_app_id="1", name="A")
    with pytest.raises(StagingError, match=r"chart_entries\.rank = 18446744073709551616 does not fit int64"):
        save_staged(StagedBatch(manifest, chart_entries=[entry.__class__(
            **{**{f: getattr(entry, f) for f in entry.__slots__}, "rank": 2**64})]), tmp_path)
    assert not any(tmp_path.rglob("*.parquet")), "nothing of the refused batch is written"
    folder = save_staged(StagedBatch(manifest, chart_entries=[entry]), tmp_path)
    assert load_staged(folder).chart_entries == [entry]
