"""The tracked-app catalog (``catalog/apps.yaml``): typed, validated, loaded once."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator


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


class Catalog(BaseModel):
    apps: list[CatalogApp]

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
