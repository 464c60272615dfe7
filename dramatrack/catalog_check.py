"""The catalog checked against the listings the pipeline fetched: is each catalog store id what the catalog says?

Every day the App Store batches look up every catalog iOS id in each storefront, and the Google Play batches fetch
the details page of every catalog package: this module reads those listings (no extra fetch) and judges each
catalog id. A catalog id is *suspect* when, in the storefronts of its market, its lookup / details page is missing,
or its listing's genre is not Entertainment / Video, its publisher is not one the catalog names, or its name and
description carry no short-drama signal. ``warehouse/sql/apply_catalog_checks.sql`` turns a day's observations into
the suspect flags of ``core.app_store_ids`` / ``core.apps``; suspect ids are left out of the short-drama marts until
a person confirms them (the catalog's ``confirmed`` list); each newly suspect id raises one alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from dramatrack.catalog import Catalog, CatalogApp
from transforms.short_drama import short_drama_signals
from warehouse.loaders import normalize_publisher

APP_STORE = "app_store"
GOOGLE_PLAY = "google_play"
CHINA = "cn"

# Store genres a short-drama app may be listed under: Entertainment, or the stores' video genres.
ACCEPTED_GENRES = frozenset(
    {"entertainment", "6016", "娱乐", "娛樂", "エンターテインメント", "엔터테인먼트", "video players & editors",
     "video_players", "photo & video", "6008", "摄影与录像", "写真/ビデオ", "사진 및 비디오"}
)


@dataclass(frozen=True, slots=True)
class Listing:
    """What a store says about one store id in one storefront (None: the lookup / details page found nothing)."""

    name: str | None
    publisher: str | None
    genre: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Observation:
    """One catalog store id as one storefront showed it on one day; ``reasons`` is empty for a good listing."""

    snapshot_date: date
    store: str
    store_app_id: str
    country: str
    app_key: str
    found: bool
    name: str | None
    publisher: str | None
    genre: str | None
    reasons: str | None  # '; '-joined, None when the listing looks right (or was not found)


def _publisher_matches(app: CatalogApp, publisher: str | None) -> bool | None:
    """Whether the listing's publisher is one the catalog names (None: the catalog names none)."""
    names = [n for n in [*app.publishers, app.publisher] if n]
    if not names:
        return None
    got = normalize_publisher(publisher)
    if not got:
        return False
    wanted = {normalize_publisher(n) for n in names} - {""}
    return any(w == got or (len(w) >= 4 and (w in got or got in w)) for w in wanted)


def judge(app: CatalogApp, listing: Listing) -> list[str]:
    """Why the listing does not look like the catalog app (empty: it does)."""
    reasons = []
    genre = (listing.genre or "").strip().casefold()
    if genre and genre not in ACCEPTED_GENRES:
        reasons.append(f"genre '{listing.genre}' is not Entertainment / Video")
    if _publisher_matches(app, listing.publisher) is False:
        expected = ", ".join(app.publishers or [app.publisher or ""])
        reasons.append(f"publisher '{listing.publisher}' is not the catalog's ({expected})")
    if not short_drama_signals(listing.name, listing.description):
        reasons.append("no short-drama signal in name or description")
    return reasons


def observations(
    catalog: Catalog,
    store: str,
    country: str,
    snapshot_date: date,
    listings: dict[str, Listing],
    *,
    unknown: Iterable[str] = (),
) -> list[Observation]:
    """Observations of every catalog id of ``store`` in one storefront: ``listings`` holds the ids the storefront
    answered for; a catalog id absent from it was not found; ids in ``unknown`` (a failed fetch) are skipped."""
    skip = set(unknown)
    out = []
    for app in catalog.apps:
        store_app_id = app.ios_id if store == APP_STORE else app.android_package
        if not store_app_id or store_app_id in skip:
            continue
        listing = listings.get(store_app_id)
        reasons = judge(app, listing) if listing is not None else []
        out.append(Observation(
            snapshot_date=snapshot_date, store=store, store_app_id=store_app_id, country=country,
            app_key=app.app_key, found=listing is not None,
            name=listing.name if listing else None, publisher=listing.publisher if listing else None,
            genre=listing.genre if listing else None, reasons="; ".join(reasons) or None,
        ))
    return out


def batch_observations(staged, catalog: Catalog, failed_items: Sequence[str] = ()) -> list[Observation]:
    """Observations of a loaded App Store or Google Play batch (``failed_items``: app ids whose page failed)."""
    manifest = staged.manifest
    day = staged.snapshot_date
    if manifest.source == APP_STORE:
        if not staged.lookups:  # no lookup answered (e.g. none planned): nothing to judge
            return []
        listings = {lk.track_id: Listing(lk.name, lk.seller or lk.artist, lk.primary_genre, lk.description)
                    for lk in staged.lookups}
        return observations(catalog, APP_STORE, manifest.country, day, listings)
    if manifest.source == GOOGLE_PLAY:
        if manifest.country == CHINA:
            return []  # Google Play does not exist in China
        listings = {d.app_id: Listing(d.title, d.developer, d.genre, d.description) for d in staged.play_details}
        return observations(catalog, GOOGLE_PLAY, manifest.country, day, listings,
                            unknown=[*failed_items, *(k.rsplit(":", 1)[-1] for k in staged.item_problems)])
    return []


# --- into the warehouse, and the alert ------------------------------------------------------------------------

CATALOG_SUSPECT = "catalog_suspect"


def catalog_rows(catalog: Catalog) -> tuple[list[dict], list[dict]]:
    """(every catalog store id with its market / confirmed / verified flags, every app's market)."""
    ids = [{"store": store, "store_app_id": sid, "app_key": a.app_key, "market": a.market,
            "confirmed": sid in a.confirmed, "verified": a.verified}
           for a in catalog.apps for store, sid, _ in a.store_ids()]
    return ids, [{"app_key": a.app_key, "market": a.market} for a in catalog.apps]


def check_loaded(conn, catalog: Catalog, staged_batches: Sequence, failed_items: Sequence[str] = ()) -> list[dict]:
    """Check the catalog ids against the loaded batches' listings and record the verdicts (one transaction);
    returns the ids that became suspect, each with the batches and countries that showed it."""
    from dataclasses import asdict

    from warehouse.catalog_checks import record_catalog_checks

    failed = [item.rsplit(":", 1)[-1] for item in failed_items]
    obs = [asdict(o) for b in staged_batches for o in batch_observations(b, catalog, failed)]
    ids, apps = catalog_rows(catalog)
    new = record_catalog_checks(conn, obs, ids, apps)
    for row in new:
        seen = [b for b in staged_batches
                if any(o["store_app_id"] == row["store_app_id"] and o["store"] == row["store"]
                       for o in obs if o["country"] == b.manifest.country and b.manifest.source == o["store"])]
        row["batch_ids"] = sorted(b.batch_id for b in seen)
        row["countries"] = sorted({b.manifest.country for b in seen if b.manifest.country})
    return new


def suspect_alert(new: Sequence[dict], *, now=None):
    """One alert for the catalog ids that just became suspect, keyed by the ids and their reasons (so the same
    verdict on a later day, or a retry, does not alert again)."""
    from datetime import UTC, datetime

    from dramatrack.alerts.message import MAX_FAILURES, Alert, clean, make_alert_key

    failures = [{
        "batch_id": clean(",".join(r.get("batch_ids") or [])), "country": clean(",".join(r.get("countries") or [])),
        "snapshot_date": str(r["checked_date"]), "expectation": "catalog_id_suspect",
        "column": clean(f"{r['store']}/{r['store_app_id']}"), "unexpected_count": 1,
        "examples": [clean(f"{r['app_key']}: {r['reason']}")],
    } for r in new]
    names = ", ".join(clean(f"{r['app_key']} ({r['store']} {r['store_app_id']})", 80) for r in new)
    summary = (f"{len(new)} catalog store id(s) suspect, left out of the short-drama marts until confirmed in "
               f"catalog/apps.yaml: {names}")
    return Alert(
        alert_key=make_alert_key(CATALOG_SUSPECT, [], [],
                                 scope=[f"{r['store']}|{r['store_app_id']}|{r['reason']}" for r in new]),
        kind=CATALOG_SUSPECT,
        source=", ".join(sorted({r["store"] for r in new})),
        batch_ids=tuple(sorted({b for r in new for b in r.get("batch_ids") or []})),
        snapshot_dates=tuple(sorted({str(r["checked_date"]) for r in new})),
        countries=tuple(sorted({c for r in new for c in r.get("countries") or []})),
        failures=tuple(failures[:MAX_FAILURES]),
        data_docs_url=None,
        summary=clean(summary, 1000),
        created_at=(now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
    )
