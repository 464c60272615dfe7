"""A watcher's memory: one small JSON file under ``<data_dir>/watchers/``, replaced atomically.

What a watcher has already fired for survives a triggerer restart (or a move to another triggerer that
mounts the same data volume), so a restarted watcher never fires again for a change it already announced.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def state_path(data_dir: Path, name: str) -> Path:
    return Path(data_dir) / "watchers" / f"{name}.json"


def load_state(path: Path) -> dict[str, Any]:
    """The saved state, or ``{}`` when there is none (or it is unreadable: then the watcher re-baselines)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state atomically (a temporary file in the same folder, then ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
