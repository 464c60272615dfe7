"""``dramatrack classify [FILE]``: why is this app (not) counted?

Reads JSON lines of listings (``name``, ``publisher``, ``genre``, optional ``description``, optional ``store_id``)
from FILE or stdin and prints each with its ``status`` (catalog / candidate / pending / other / suspect), ``reason``
and ``evidence`` as JSON lines. Bad input: one line naming the file and line and what was wrong, exit 1 (nothing
is printed for the other lines: fix the input and run again).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from dramatrack_cli.cli_app import app


def _fail(message: str) -> None:
    typer.echo(f"dramatrack classify: {message}", err=True)
    raise typer.Exit(1)


@app.command("classify")
def classify(
    file: Annotated[Path | None, typer.Argument(help="JSON lines of listings; stdin when omitted or '-'.")] = None,
) -> None:
    """Classify listings (JSON lines) against the catalog and the short-drama rules; print status and reason."""
    from dramatrack.catalog import load_catalog
    from dramatrack.listing_status import ListingClassifier, check_fields
    from dramatrack.settings import get_settings

    source = "<stdin>" if file is None or str(file) == "-" else str(file)
    try:
        raw = sys.stdin.buffer.read() if source == "<stdin>" else Path(source).read_bytes()
    except OSError as exc:
        _fail(f"{source}: cannot read ({exc.strerror or exc})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(f"{source}: not UTF-8 text (byte {exc.start})")
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            _fail(f"{source}:{number}: not valid JSON ({exc})")
        problem = check_fields(row)
        if problem:
            _fail(f"{source}:{number}: {problem}")
        rows.append(row)
    try:
        classifier = ListingClassifier(load_catalog(get_settings().catalog_path))
    except ValueError as exc:
        _fail(str(exc))
    for row in rows:
        typer.echo(json.dumps(classifier.classify(row), ensure_ascii=False))
