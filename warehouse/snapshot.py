"""Publish a read-only analytics snapshot of the warehouse, atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from warehouse.connection import connect


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish_snapshot(warehouse_path: Path | str, snapshot_path: Path | str, *,
                     lock_timeout: float | None = None) -> Path:
    """Copy the warehouse to ``snapshot_path`` atomically; return the snapshot path.

    It takes the warehouse's write lock (waiting up to ``lock_timeout`` seconds, default from settings, while
    another writer holds it), checkpoints (so the WAL is folded into the file) and copies the file while
    still holding the lock, so no writer can change it mid-copy. The copy goes to a temporary file in the
    snapshot's directory, is checked to open, then ``os.replace``s the snapshot. Readers of the snapshot see
    either the old or the new file, never a half-written one.
    """
    source = Path(warehouse_path)
    target = Path(snapshot_path)
    if not source.exists():
        raise FileNotFoundError(f"warehouse {source} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)

    lock_holder = connect(source, lock_timeout=lock_timeout, apply_migrations=False)
    try:
        lock_holder.execute("CHECKPOINT")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, length=16 * 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        lock_holder.close()
    try:
        check = duckdb.connect(str(tmp), read_only=True)  # a corrupt copy fails here, not for analysts
        check.close()
        stale_wal = target.with_name(target.name + ".wal")
        if stale_wal.exists():
            stale_wal.unlink()  # a WAL left beside an old snapshot must not be replayed into the new one
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; analysts read the snapshot
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
