"""A person's decisions written into ``catalog/apps.yaml`` as small text edits (comments and layout kept), each
checked by loading the result before it is written, and shown as a unified diff to review and commit."""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path

import yaml

from dramatrack.catalog import Catalog


class CatalogEditError(ValueError):
    """The decision cannot be written (unknown id, already decided, the result would not load)."""


def _quote(value: str) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000).strip().removesuffix("...").strip()


def _validated(text: str) -> str:
    try:
        Catalog.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError) as exc:
        raise CatalogEditError(f"the edited catalog would not load: {str(exc).splitlines()[0]}") from None
    return text


def _top_level_end(text: str, key: str) -> int | None:
    """Offset just past the block of top-level ``key:`` (where the next top-level key starts, or the end)."""
    start = re.search(rf"^{key}:.*$", text, re.M)
    if not start:
        return None
    nxt = re.search(r"^[A-Za-z_][\w-]*:", text[start.end():], re.M)
    return start.end() + nxt.start() if nxt else len(text)


def add_app(text: str, *, app_key: str, name: str, publisher: str | None, store: str, store_app_id: str,
            evidence: str | None, decided: date) -> str:
    """Append an accepted candidate as a new app (``verified: false``: a live check confirms the id)."""
    id_lines = (f'    ios_id: "{store_app_id}"\n    android_package: null\n' if store == "app_store"
                else f"    ios_id: null\n    android_package: {store_app_id}\n")
    block = (f"  # accepted from the charts on {decided.isoformat()}"
             + (f": {evidence}" if evidence else "") + "\n"
             f"  - app_key: {app_key}\n    name: {_quote(name)}\n    aliases: []\n    aliases_zh: []\n"
             f"    publisher: {_quote(publisher) if publisher else 'null'}\n"
             + (f"    publishers: [{_quote(publisher)}]\n" if publisher else "")
             + id_lines + "    verified: false\n")
    end = _top_level_end(text, "apps")
    if end is None:
        raise CatalogEditError("the catalog has no top-level 'apps:' list")
    head, tail = text[:end], text[end:]
    if not head.endswith("\n"):
        head += "\n"
    return _validated(head + block + tail)


def add_rejection(text: str, *, store: str, store_app_id: str, name: str | None, reason: str | None,
                  decided: date) -> str:
    """Record a rejected chart listing under the top-level ``rejected:`` list (created when absent)."""
    entry = (f"  - store: {store}\n    store_app_id: {_quote(store_app_id)}\n"
             + (f"    name: {_quote(name)}\n" if name else "")
             + (f"    reason: {_quote(reason)}\n" if reason else "")
             + f"    decided: '{decided.isoformat()}'\n")
    end = _top_level_end(text, "rejected")
    if end is None:
        sep = "" if text.endswith("\n") else "\n"
        return _validated(text + sep + "rejected:\n" + entry)
    head, tail = text[:end], text[end:]
    head = re.sub(r"^rejected:\s*\[\]\s*$", "rejected:", head, flags=re.M)
    if not head.endswith("\n"):
        head += "\n"
    return _validated(head + entry + tail)


def add_confirmation(text: str, *, store_app_id: str) -> str:
    """Add a store id to its app's ``confirmed`` list (a person checked the listing by hand)."""
    pattern = (rf'^(\s+)ios_id:\s*["\']?{re.escape(store_app_id)}["\']?\s*$'
               rf"|^(\s+)android_package:\s*{re.escape(store_app_id)}\s*$")
    found = re.search(pattern, text, re.M)
    if not found:
        raise CatalogEditError(f"{store_app_id!r} is not an ios_id or android_package of the catalog")
    indent = found.group(1) or found.group(2)
    block_end = re.search(r"^\s*- app_key:|^\S", text[found.end():], re.M)
    end = found.end() + (block_end.start() if block_end else len(text) - found.end())
    block = text[found.end():end]
    existing = re.search(r"^(\s+)confirmed:\s*\[(.*)\]\s*$", block, re.M)
    if existing:
        ids = [i.strip().strip("'\"") for i in existing.group(2).split(",") if i.strip()]
        if store_app_id in ids:
            raise CatalogEditError(f"{store_app_id!r} is already confirmed")
        line = f"{existing.group(1)}confirmed: [{', '.join([*ids, _quote(store_app_id)])}]"
        block = block[:existing.start()] + line + block[existing.end():]
        return _validated(text[:found.end()] + block + text[end:])
    return _validated(text[:found.end()] + f"\n{indent}confirmed: [{_quote(store_app_id)}]" + text[found.end():])


def diff(before: str, after: str, path: Path) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                        fromfile=f"a/{path.name}", tofile=f"b/{path.name}"))
