"""Why is this app (not) counted? One listing's status against the catalog and the classifier.

catalog (a catalog store id, or a catalog name), suspect (a catalog store id whose listing does not look like the
catalog app, and no person confirmed it: dramatrack/catalog_check.py), candidate / pending / other (the short-drama
classifier, transforms/short_drama.py), or other for a listing a person rejected (catalog ``rejected``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dramatrack.catalog import Catalog
from dramatrack.catalog_check import Listing, judge
from transforms.app_identity import catalog_name_index, normalize_app_name
from transforms.short_drama import classify_app

REQUIRED = ("name", "publisher", "genre")
OPTIONAL = ("description", "store_id")


def store_of(store_id: str) -> str:
    """App Store track ids are numeric; Google Play ids are package names."""
    return "app_store" if store_id.isdigit() else "google_play"


def check_fields(row: Any) -> str | None:
    """What is wrong with one input listing (None: nothing)."""
    if not isinstance(row, dict):
        return f"expected a JSON object, got {type(row).__name__}"
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    if not isinstance(row["name"], str) or not row["name"].strip():
        return "'name' must be a non-empty string"
    for key in ("publisher", "genre", "description"):
        if row.get(key) is not None and not isinstance(row[key], str):
            return f"'{key}' must be a string or null, got {type(row[key]).__name__}"
    sid = row.get("store_id")
    if sid is not None and (isinstance(sid, bool) or not isinstance(sid, str | int) or not str(sid).strip()):
        return "'store_id' must be a non-empty string or a number"
    return None


class ListingClassifier:
    """Classifies listings against one catalog (indexes built once)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_id = {("app_store", a.ios_id): a for a in catalog.apps if a.ios_id}
        self.by_id |= {("google_play", a.android_package): a for a in catalog.apps if a.android_package}
        self.by_name = catalog_name_index({a.app_key: a.all_names() for a in catalog.apps})
        self.by_key = {a.app_key: a for a in catalog.apps}
        self.rejected = {(r.store, r.store_app_id): r for r in catalog.rejected}

    def classify(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """``row`` (a valid listing) with ``status``, ``reason``, ``evidence`` and the catalog ``app_key``."""
        name, publisher, genre = row["name"], row.get("publisher"), row.get("genre")
        description = row.get("description")
        sid = str(row["store_id"]).strip() if row.get("store_id") is not None else None
        out = {k: row.get(k) for k in (*REQUIRED, *OPTIONAL) if k in row}
        if sid:
            key = (store_of(sid), sid)
            app = self.by_id.get(key)
            if app is not None:
                reasons = judge(app, Listing(name, publisher, genre, description))
                if reasons and sid not in app.confirmed:
                    return out | {"status": "suspect", "app_key": app.app_key,
                                  "reason": f"catalog id of {app.app_key}, but " + "; ".join(reasons)}
                why = "; confirmed by a person despite: " + "; ".join(reasons) if reasons else ""
                return out | {"status": "catalog", "app_key": app.app_key,
                              "reason": f"catalog {key[0]} id of {app.app_key}{why}"}
            if key in self.rejected:
                r = self.rejected[key]
                return out | {"status": "other", "app_key": None,
                              "reason": f"rejected by a person{' on ' + r.decided if r.decided else ''}"
                                        f"{': ' + r.reason if r.reason else ''}"}
        matched = self.by_name.get(normalize_app_name(name))
        if matched:
            return out | {"status": "catalog", "app_key": matched,
                          "reason": f"catalog app {matched} matched by name {name!r}"}
        c = classify_app(name, publisher, genre, description, catalog_match=False)
        return out | {"status": c.status, "app_key": None, "reason": c.reason,
                      "evidence": [f"{field}: {label}" for field, label in c.evidence]}
