"""Warehouse loads stay incremental: several batches in one transaction load exactly as one by one, the
incremental product resolution ends where a full one does, and the work per day does not grow with history."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dramatrack.catalog import Catalog, CatalogApp, Override
from dramatrack.pipeline.stage import StagedBatch
from dramatrack.pipeline.staging_store import save_staged
from dramatrack.settings import Settings
from extractors.batches import BatchManifest
from tests.test_warehouse_google_play import (
    DAYS,
    GP,
    IOS,
    IOS_MARKET,
    contents,
    fresh,
    ios_batch,
    make_catalog,
    play_batch,
    records,
    rows,
    store_ids,
)
from warehouse import loaders
from warehouse.loaders import Batch, load_batch, load_batches, resolve_all_products, sync_catalog


def assert_same(a: dict, b: dict) -> None:
    for name in a:
        assert a[name].equals(b[name]), f"{name} differs"


# Written by the catalog check load_report runs after the loads (dramatrack/catalog_check.py), not by the loads
CHECK_COLUMNS = ("suspect", "suspect_reason", "checked_date", "excluded")


def loads_only(tables: dict) -> dict:
    return {name: t.drop_columns([c for c in CHECK_COLUMNS if c in t.column_names]) for name, t in tables.items()}


def one_by_one(conn, batches: list[dict]) -> list[dict]:
    return [load_batch(conn, **b) for b in batches]


def together(conn, batches: list[dict]) -> list[dict]:
    return load_batches(conn, [Batch(**b) for b in batches])


def shifted(batch: dict, day: date, country: str) -> dict:
    """A batch moved to another day and country: a new snapshot of the same market."""
    return dict(
        batch, snapshot_date=day, country=country, batch_id=f"{batch['batch_id']}@{day}:{country}",
        chart_entries=[replace(e, country=country) for e in batch["chart_entries"]],
        lookups=[replace(lk, country=country) for lk in batch["lookups"]],
        play_details=[replace(d, country=country) for d in batch.get("play_details", ())],
    )  # fmt: skip


def renamed(batch: dict, store_app_id: str, name: str, publisher: str | None) -> dict:
    """The batch with one listing's record renamed (and its publisher changed)."""
    apps = [
        replace(a, name=name, publisher=publisher) if a.store_app_id == store_app_id else a
        for a in batch["apps"]
    ]
    return dict(batch, apps=apps)


SCENARIOS = {
    "two days, both stores": [ios_batch(DAYS[0]), play_batch(DAYS[0]), ios_batch(DAYS[1]), play_batch(DAYS[1])],
    "newest first": [play_batch(DAYS[1]), ios_batch(DAYS[1]), play_batch(DAYS[0]), ios_batch(DAYS[0], "gb")],
    "same batch twice, then a backfill": [ios_batch(DAYS[1]), play_batch(DAYS[1]), ios_batch(DAYS[1]),
                                          play_batch(DAYS[0]), ios_batch(DAYS[0])],
    # same-day records disagree (the later batch's stands), a publisher goes missing, names collide and part
    "renames": [play_batch(DAYS[0]), ios_batch(DAYS[0]),
                renamed(ios_batch(DAYS[0], "gb"), "7000000001", "Flick Max", "Other Co"),
                renamed(ios_batch(DAYS[1]), "7000000003", "VideoHub", None),
                renamed(ios_batch(DAYS[0], "jp"), "7000000002", "MiniDrama Plus", "Other Co"),
                renamed(play_batch(DAYS[1]), "com.twin.two", "Twin Drama Two", "Twin Co")],
}  # fmt: skip


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_batches_loaded_together_equal_batches_loaded_one_by_one(tmp_path, scenario):
    batches = SCENARIOS[scenario]
    a, b = fresh(tmp_path, "a"), fresh(tmp_path, "b")
    counts_a, counts_b = one_by_one(a, batches), together(b, batches)
    assert counts_a == counts_b
    assert_same(contents(a), contents(b))
    attempts = [(r["batch_id"], r["attempt"], r["status"]) for r in rows(a, "ops.load_batches")]
    assert attempts == [(r["batch_id"], r["attempt"], r["status"]) for r in rows(b, "ops.load_batches")]
    assert len(rows(a, "ops.fetch_log")) == len(rows(b, "ops.fetch_log"))
    # ... and the incremental resolution ended where re-resolving every listing does
    before = contents(b)
    resolve_all_products(b)
    assert_same(before, contents(b))
    a.close()
    b.close()


def test_a_later_batch_with_the_same_scope_wins_as_if_loaded_after(tmp_path):
    first = ios_batch(DAYS[0])
    second = dict(
        first, batch_id="again", chart_entries=first["chart_entries"][:3], lookups=first["lookups"][:2]
    )
    a, b = fresh(tmp_path, "a"), fresh(tmp_path, "b")
    one_by_one(a, [first, second])
    together(b, [first, second])
    assert_same(contents(a), contents(b))
    # the second batch's top-free chart (3 entries) replaced the first's; its top-grossing chart stands (6)
    assert len(rows(b, "core.chart_entries")) == 3 + 6 and len(rows(b, "core.app_metrics")) == 2
    a.close()
    b.close()


def test_facts_loaded_before_their_listing_exists_join_it_in_any_order(tmp_path):
    # a batch without app records: its facts stay unresolved until another batch brings the listings
    bare = dict(ios_batch(DAYS[0], "gb"), apps=[])
    full = ios_batch(DAYS[1])
    results = []
    for i, order in enumerate([[bare, full], [full, bare]]):
        conn = fresh(tmp_path, f"o{i}")
        counts = one_by_one(conn, order)
        if i == 0:
            assert counts[0]["chart_entries_unresolved"] == 8  # only the two catalog listings were known
        assert not [r for r in rows(conn, "core.chart_entries") if r["app_key"] is None]
        listing = {r["store_app_id"]: r for r in rows(conn, "core.app_store_ids")}
        assert (listing["7000000001"]["first_seen_date"], listing["7000000001"]["last_seen_date"]) == DAYS
        before = contents(conn)
        resolve_all_products(conn)
        assert_same(before, contents(conn))
        results.append(before)
        conn.close()
    assert_same(results[0], results[1])
    conn = fresh(tmp_path, "together")
    together(conn, [bare, full])
    assert_same(results[0], contents(conn))
    conn.close()


def test_a_record_making_an_app_a_catalog_app_loads_as_one_by_one(tmp_path):
    # the loader's catalog knows FlickReels (status 'catalog'), the warehouse's catalog does not yet
    promoted = [replace(r, app_key="flickreels", status="catalog", verified=True)
                for r in records(IOS, IOS_MARKET) if r.store_app_id == "7000000001"]  # fmt: skip
    batches = [play_batch(DAYS[0]), dict(ios_batch(DAYS[1]), apps=records(IOS, IOS_MARKET)[:2] + promoted),
               ios_batch(DAYS[0], "gb")]  # fmt: skip
    a, b = fresh(tmp_path, "a"), fresh(tmp_path, "b")
    one_by_one(a, batches)
    together(b, batches)
    assert_same(contents(a), contents(b))
    apps = {r["app_key"]: r for r in rows(b, "core.apps")}
    assert apps["flickreels"]["status"] == "catalog" and apps["flickreels"]["verified"]
    assert store_ids(b)[(IOS, "7000000001")] == store_ids(b)[(GP, "com.flick.reels")] == "flickreels"
    before = contents(b)
    resolve_all_products(b)  # a full re-resolution agrees
    assert_same(before, contents(b))
    a.close()
    b.close()


def test_catalog_changes_re_resolve_only_what_they_touch_yet_like_a_fresh_load(tmp_path):
    conn = fresh(tmp_path, "a", make_catalog(android=False))
    together(conn, [play_batch(d, catalog_android=False) for d in DAYS] + [ios_batch(d) for d in DAYS])
    flick = CatalogApp(app_key="flick", name="FlickReels", ios_id="7000000001")
    catalog = Catalog(apps=[*make_catalog().apps, flick])
    sync_catalog(conn, catalog)
    fresh_conn = fresh(tmp_path, "b", catalog)
    together(fresh_conn, [ios_batch(d) for d in DAYS] + [play_batch(d, catalog_android=False) for d in DAYS])
    assert_same(contents(fresh_conn), contents(conn))
    assert store_ids(conn)[(GP, "com.flick.reels")] == "flick"
    before = contents(conn)
    resolve_all_products(conn)
    assert_same(before, contents(conn))
    # overrides added, then dropped again: each sync re-resolves what it touches, like a full re-resolution
    for overrides in (
        [
            Override(store=IOS, store_app_id="7000000003", app_key=None),
            Override(store=GP, store_app_id="com.minidrama.plus", app_key="ios_7000000002"),
        ],
        [],
    ):
        sync_catalog(conn, Catalog(apps=catalog.apps, overrides=overrides))
        before = contents(conn)
        resolve_all_products(conn)
        assert_same(before, contents(conn))
    assert_same(contents(fresh_conn), contents(conn))
    conn.close()
    fresh_conn.close()


def test_syncing_an_unchanged_catalog_is_one_query(tmp_path, monkeypatch):
    conn = fresh(tmp_path, "a")
    together(conn, [ios_batch(DAYS[0]), play_batch(DAYS[0])])
    work = Work(monkeypatch)
    before = contents(conn)
    sync_catalog(conn, make_catalog())
    assert work.take() == ({"stage_catalog.sql": 1}, 0)
    assert_same(before, contents(conn))
    conn.close()


# --- the work per load does not grow with history -------------------------------------------------------


class Work:
    """The SQL files a load runs (and how many products it re-derives), recorded by wrapping the loader."""

    def __init__(self, monkeypatch) -> None:
        self.files: Counter[str] = Counter()
        self.products = 0
        run, select, products_table = loaders._run, loaders._select, loaders._products_table

        def counting_run(conn, name, params=None):
            self.files[name] += 1
            return run(conn, name, params)

        def counting_select(conn, name, params=None):
            self.files[name] += 1
            return select(conn, name, params)

        def counting_products(*args, **kwargs):
            table = products_table(*args, **kwargs)
            self.products += table.num_rows
            return table

        monkeypatch.setattr(loaders, "_run", counting_run)
        monkeypatch.setattr(loaders, "_select", counting_select)
        monkeypatch.setattr(loaders, "_products_table", counting_products)

    def take(self) -> tuple[dict[str, int], int]:
        out = (dict(self.files), self.products)
        self.files.clear()
        self.products = 0
        return out


def test_a_days_load_does_the_same_work_on_day_two_and_day_twenty(tmp_path, monkeypatch):
    conn = fresh(tmp_path, "a")
    work = Work(monkeypatch)
    per_day = []
    for n in range(20):
        day = DAYS[0] + timedelta(days=n)
        batches = [shifted(ios_batch(DAYS[0]), day, c) for c in ("us", "gb", "jp")]
        batches += [shifted(play_batch(DAYS[0]), day, c) for c in ("us", "gb", "jp")]
        together(conn, batches)
        per_day.append(work.take())
    files, products = per_day[1]
    assert all(day == (files, products) for day in per_day[1:]), "a later day did other or more work"
    # no listing changed identity after day one: no re-resolution, no fact table touched beyond the day's scope
    assert not {"resolve_products.sql", "repoint_facts.sql", "adopt_orphan_facts.sql"} & set(files)
    assert sum(files.values()) <= 12
    # the products of the day's listings (all but ShortMax's, which is in no chart), not more as history grows
    assert products == len(set(store_ids(conn).values()) - {"shortmax"})
    # day one resolved the cross-store matches once, not once per batch
    assert per_day[0][0]["resolve_products.sql"] == 1
    assert store_ids(conn)[(IOS, "7000000001")] == "gp_com_flick_reels"
    conn.close()


# --- load_report: the passed batches of a report load in one transaction ---------------------------------


def _report(tmp_path: Path, batches: list[dict]) -> Path:
    entries = []
    for b in batches:
        manifest = BatchManifest(batch_id=b["batch_id"], source="app_store" if b["source"] == "appstore" else GP,
                                 snapshot_date=b["snapshot_date"].isoformat(), country=b["country"],
                                 warc_paths=(), responses=0)  # fmt: skip
        staged = StagedBatch(manifest=manifest, chart_entries=b["chart_entries"], lookups=b["lookups"],
                             apps=b["apps"], play_details=list(b.get("play_details", ())),
                             fetch_log_rows=b["fetch_log_rows"])  # fmt: skip
        folder = save_staged(staged, tmp_path / "staging")
        entries.append({"batch_id": b["batch_id"], "source": manifest.source, "country": b["country"],
                        "snapshot_date": manifest.snapshot_date, "folder": str(folder), "status": "passed",
                        "failures": [], "counts": {}, "warc_paths": []})  # fmt: skip
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"run_id": "t", "sources": [], "snapshot_dates": [], "data_docs_urls": [],
                                "batches": entries}), encoding="utf-8")  # fmt: skip
    return path


def test_load_report_loads_together_and_falls_back_to_one_by_one_on_error(tmp_path):
    from dramatrack.pipeline.validate_load import load_report

    catalog_path = tmp_path / "apps.yaml"
    catalog_path.write_text(
        "apps:\n"
        "  - {app_key: reelshort, name: ReelShort, publisher: Crazy Maple Studio, ios_id: '1636235979',"
        " android_package: com.newleaf.app.android.victor}\n"
        "  - {app_key: dramabox, name: DramaBox, publisher: STORYMATRIX, ios_id: '6445905219',"
        " android_package: com.storymatrix.drama}\n"
        "  - {app_key: shortmax, name: ShortMax, publisher: ShortTV, ios_id: '6464002625'}\n",
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path / "data", catalog_path=catalog_path)
    good = [ios_batch(DAYS[0]), play_batch(DAYS[0]), ios_batch(DAYS[0], "gb")]
    summary = load_report(settings, _report(tmp_path / "r1", good))
    assert summary["loaded_batches"] == [b["batch_id"] for b in good]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        loaded = contents(conn)
    reference = fresh(tmp_path, "ref")
    one_by_one(reference, good)
    assert_same(loads_only(contents(reference)), loads_only(loaded))
    reference.close()

    entries = ios_batch(DAYS[1])["chart_entries"]
    bad = dict(ios_batch(DAYS[1], "gb"), chart_entries=entries + [entries[0]])  # the same rank twice
    batches = [ios_batch(DAYS[1]), bad, play_batch(DAYS[1])]
    # one failing batch never stops the others (issue 15): it is quarantined with the load error, the rest load
    summary = load_report(settings, _report(tmp_path / "r2", batches))
    assert summary["quarantined_batches"] == [bad["batch_id"]]
    assert summary["loaded_batches"] == [ios_batch(DAYS[1])["batch_id"], play_batch(DAYS[1])["batch_id"]]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        done = dict(conn.execute("SELECT batch_id, status FROM ops.load_batches WHERE snapshot_date = ?",
                                 [DAYS[1]]).fetchall())
        (reason,) = conn.execute("SELECT failed_expectations::VARCHAR FROM ops.quarantine WHERE batch_id = ?",
                                 [bad["batch_id"]]).fetchone()
    assert done == {ios_batch(DAYS[1])["batch_id"]: "loaded", bad["batch_id"]: "quarantined",
                    play_batch(DAYS[1])["batch_id"]: "loaded"}
    assert "load failed (ConstraintException" in reason
