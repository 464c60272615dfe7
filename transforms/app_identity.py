"""Which product a store listing belongs to: pure name normalisation and catalog matching."""

from __future__ import annotations

import re
import unicodedata

_SUBTITLE = re.compile(r"\s+[-–—|:]\s+|:\s*")
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def normalize_app_name(name: str) -> str:
    """The product part of a store title, folded: 'GoodShort - Movies & Dramas' → 'goodshort'."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    main = _SUBTITLE.split(text, maxsplit=1)[0]
    return _NON_ALNUM.sub("", main.casefold())


def catalog_name_index(names_by_key: dict[str, list[str]]) -> dict[str, str]:
    """Normalised name/alias → app_key; names shared by two catalog apps are dropped (ambiguous)."""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for app_key, names in names_by_key.items():
        for name in names:
            norm = normalize_app_name(name)
            if not norm:
                continue
            if index.get(norm, app_key) != app_key:
                ambiguous.add(norm)
            index[norm] = app_key
    return {k: v for k, v in index.items() if k not in ambiguous}
