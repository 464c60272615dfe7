"""The tracked-app catalog (``catalog/apps.yaml``): typed, validated, loaded once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

Market = Literal["overseas", "china"]
Confidence = Literal["high", "medium", "low"]
_PACKAGE = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$"


class CatalogApp(BaseModel):
    """One tracked short-drama product, across stores."""

    app_key: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    aliases_zh: list[str] = Field(default_factory=list)
    former_names: list[str] = Field(default_factory=list)  # names the app was listed under before
    publisher: str | None = None
    publishers: list[str] = Field(default_factory=list)  # seller / developer names its listings may carry
    parent: str | None = None
    market: Market = "overseas"
    ios_id: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")
    ios_confidence: Confidence | None = None
    android_package: str | None = Field(default=None, pattern=_PACKAGE)
    android_confidence: Confidence | None = None
    cn_android_package: str | None = Field(default=None, pattern=_PACKAGE)  # Chinese Android stores, not fetched
    cn_android_confidence: Confidence | None = None
    home_storefront: str | None = Field(default=None, pattern=r"^[a-z]{2}$")  # where its Play page is fetched
    confidence: str | None = None  # the note's grade for the app as a whole (older entries)
    verified: bool = False
    confirmed: list[str] = Field(default_factory=list)  # store ids a person confirmed although suspect
    notes: str | None = None

    @field_validator("ios_id", mode="before")
    @classmethod
    def _ios_id_as_str(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("confirmed", mode="before")
    @classmethod
    def _confirmed_as_str(cls, value: object) -> object:
        return [str(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _confirmed_are_own_ids(self) -> CatalogApp:
        own = {self.ios_id, self.android_package} - {None}
        stray = [i for i in self.confirmed if i not in own]
        if stray:
            raise ValueError(f"app {self.app_key!r}: confirmed ids {stray} are not its ios_id / android_package")
        return self

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases, *self.former_names, *self.aliases_zh]

    def store_ids(self) -> list[tuple[str, str, str | None]]:
        """(store, store id, confidence) of each id the app has in a store the pipeline fetches."""
        out = []
        if self.ios_id:
            out.append(("app_store", self.ios_id, self.ios_confidence or self.confidence))
        if self.android_package:
            out.append(("google_play", self.android_package, self.android_confidence or self.confidence))
        return out


class Rejection(BaseModel):
    """A chart listing a person reviewed and decided is not a short-drama app (``dramatrack catalog reject``)."""

    store: Literal["app_store", "google_play"]
    store_app_id: str = Field(min_length=1)
    name: str | None = None
    reason: str | None = None
    decided: str | None = None  # YYYY-MM-DD

    @field_validator("store_app_id", mode="before")
    @classmethod
    def _id_as_str(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class Override(BaseModel):
    """Maps one store listing to a product explicitly; ``app_key: null`` keeps it out of name matching."""

    store: Literal["app_store", "google_play"]
    store_app_id: str = Field(min_length=1)
    app_key: str | None = Field(pattern=r"^[a-z0-9_]+$")  # required; null = never merge this id by name

    @field_validator("store_app_id", mode="before")
    @classmethod
    def _id_as_str(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class Catalog(BaseModel):
    apps: list[CatalogApp]
    overrides: list[Override] = []
    rejected: list[Rejection] = []

    @field_validator("apps")
    @classmethod
    def _unique(cls, apps: list[CatalogApp]) -> list[CatalogApp]:
        for attr in ("app_key", "ios_id", "android_package"):
            seen: set[str] = set()
            for app in apps:
                value = getattr(app, attr)
                if value is None:
                    continue
                if value in seen:
                    raise ValueError(f"duplicate {attr} {value!r} in catalog")
                seen.add(value)
        return apps

    @model_validator(mode="after")
    def _overrides_consistent(self) -> Catalog:
        catalog_ids = {("app_store", a.ios_id): a.app_key for a in self.apps if a.ios_id}
        catalog_ids |= {("google_play", a.android_package): a.app_key for a in self.apps if a.android_package}
        seen: set[tuple[str, str]] = set()
        for o in self.overrides:
            key = (o.store, o.store_app_id)
            if key in seen:
                raise ValueError(f"duplicate override for {o.store} {o.store_app_id!r} in catalog")
            seen.add(key)
            owner = catalog_ids.get(key)
            if owner is not None and o.app_key != owner:
                raise ValueError(
                    f"override of {o.store} {o.store_app_id!r} contradicts catalog app {owner!r}"
                )
        return self

    def by_ios_id(self) -> dict[str, CatalogApp]:
        return {a.ios_id: a for a in self.apps if a.ios_id}

    def by_android_package(self) -> dict[str, CatalogApp]:
        return {a.android_package: a for a in self.apps if a.android_package}

    def ios_ids(self) -> list[str]:
        return [a.ios_id for a in self.apps if a.ios_id]

    def rejected_ids(self) -> set[tuple[str, str]]:
        return {(r.store, r.store_app_id) for r in self.rejected}


# libyaml's loader when PyYAML was built with it (about 10x faster on the catalog), else the pure-Python one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=8)
def _parsed(path: Path, mtime_ns: int, size: int) -> Any:
    """The file's YAML, parsed once per version of the file (a day's tasks read the catalog many times)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a safe loader)


def load_catalog(path: Path | str) -> Catalog:
    """Read and validate the catalog file; a bad file raises ``ValueError`` naming it."""
    path = Path(path)
    try:
        stat = path.stat()
        raw = _parsed(path.resolve(), stat.st_mtime_ns, stat.st_size)
        return Catalog.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"catalog {path}: {exc}".splitlines()[0]) from exc
