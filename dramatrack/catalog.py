"""The tracked-app catalog (``catalog/apps.yaml``): typed, validated, loaded once."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator


class CatalogApp(BaseModel):
    """One tracked short-drama product, across stores."""

    app_key: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    aliases_zh: list[str] = Field(default_factory=list)
    publisher: str | None = None
    parent: str | None = None
    ios_id: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")
    android_package: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
    confidence: str = "unknown"
    verified: bool = False
    notes: str | None = None

    @field_validator("ios_id", mode="before")
    @classmethod
    def _ios_id_as_str(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases, *self.aliases_zh]


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


def load_catalog(path: Path | str) -> Catalog:
    """Read and validate the catalog file; a bad file raises ``ValueError`` naming it."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Catalog.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"catalog {path}: {exc}".splitlines()[0]) from exc
