"""``dramatrack catalog candidates | accept ID | reject ID | confirm ID``: a person's decisions on the catalog.

``candidates`` lists the chart listings the classifier calls short drama (or pending) that are not in the catalog,
with their evidence. ``accept`` adds one as a catalog app, ``reject`` records it as not a short-drama app (the
classifier then leaves it out), ``confirm`` accepts a suspect catalog id as right. Each writes catalog/apps.yaml as
a small edit and prints the diff, to review and commit (``--dry-run``: print the diff only).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from dramatrack_cli.cli_app import app

catalog_app = typer.Typer(help="Catalog candidates from the charts, and a person's decisions on them.",
                          no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the diff, do not write the catalog.")]


def _fail(message: str) -> None:
    typer.echo(f"dramatrack catalog: {message}", err=True)
    raise typer.Exit(1)


def _candidates(settings) -> list[dict[str, Any]]:
    from dramatrack.catalog import load_catalog
    from dramatrack_cli.quarantine_cmd import _read

    rejected = load_catalog(settings.catalog_path).rejected_ids()
    return [r for r in _read(settings, "catalog_candidates", {}) if (r["store"], r["store_app_id"]) not in rejected]


def _find(settings, candidate_id: str) -> dict[str, Any] | None:
    return next((r for r in _candidates(settings) if candidate_id in (r["store_app_id"], r["app_key"])), None)


def _edit_catalog(edit, dry_run: bool, candidate_id: str | None = None) -> None:
    """Read the catalog file, apply ``edit(text, candidate)`` (the candidate found by ``candidate_id``, if given),
    and write the result (printing the diff); a missing candidate or a refused edit is one line, exit 1."""
    from dramatrack.catalog_edit import CatalogEditError
    from dramatrack.settings import get_settings

    settings = get_settings()
    found = None
    if candidate_id is not None:
        found = _find(settings, candidate_id)
        if found is None:
            _fail(f"no candidate {candidate_id!r} (see `dramatrack catalog candidates`)")
    before = settings.catalog_path.read_text(encoding="utf-8")
    try:
        after = edit(before, found)
    except CatalogEditError as exc:
        _fail(str(exc))
    _write(settings, before, after, dry_run)


def _write(settings, before: str, after: str, dry_run: bool) -> None:
    from dramatrack.catalog_edit import diff

    typer.echo(diff(before, after, settings.catalog_path), nl=False)
    if not dry_run:
        settings.catalog_path.write_text(after, encoding="utf-8")
        typer.echo(f"wrote {settings.catalog_path}: review the diff above and commit it")


@catalog_app.command("candidates")
def candidates(as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False) -> None:
    """Chart listings that look like short-drama apps and are not in the catalog, with their evidence."""
    from rich.console import Console

    from dramatrack.settings import get_settings
    from dramatrack_cli.show import table_of

    rows = _candidates(get_settings())
    if as_json:
        for r in rows:
            typer.echo(json.dumps(r, default=str, ensure_ascii=False))
        return
    columns = ["status", "store", "store_app_id", "name", "publisher", "best_rank", "countries", "evidence"]
    Console().print(table_of(f"{len(rows)} candidate(s)", columns, [tuple(r[c] for c in columns) for r in rows]))


@catalog_app.command("accept")
def accept(
    candidate_id: Annotated[str, typer.Argument(help="The store id (or app_key) of a candidate.")],
    app_key: Annotated[str | None, typer.Option("--app-key", help="Catalog key (default: from the name).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Catalog name (default: the listing's).")] = None,
    dry_run: DryRun = False,
) -> None:
    """Add a candidate to the catalog as a new app (verified: false until a live check)."""
    import re

    from dramatrack.catalog_edit import add_app

    def edit(before: str, found: dict[str, Any]) -> str:
        display = name or re.split(r"\s+[-–:|]\s+|:\s", found["name"] or candidate_id, maxsplit=1)[0]
        key = app_key or re.sub(r"[^a-z0-9]+", "_", display.casefold()).strip("_") or found["app_key"]
        return add_app(before, app_key=key, name=display, publisher=found["publisher"], store=found["store"],
                       store_app_id=found["store_app_id"], evidence=found["evidence"], decided=date.today())

    _edit_catalog(edit, dry_run, candidate_id)


@catalog_app.command("reject")
def reject(
    candidate_id: Annotated[str, typer.Argument(help="The store id (or app_key) of a candidate.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is not a short-drama app.")] = None,
    dry_run: DryRun = False,
) -> None:
    """Record that a candidate is not a short-drama app."""
    from dramatrack.catalog_edit import add_rejection

    _edit_catalog(lambda before, found: add_rejection(
        before, store=found["store"], store_app_id=found["store_app_id"], name=found["name"], reason=reason,
        decided=date.today()), dry_run, candidate_id)


@catalog_app.command("confirm")
def confirm(
    store_app_id: Annotated[str, typer.Argument(help="A catalog iOS id or Android package marked suspect.")],
    dry_run: DryRun = False,
) -> None:
    """Confirm a suspect catalog store id after checking its listing by hand: it counts in the marts again."""
    from dramatrack.catalog_edit import add_confirmation

    _edit_catalog(lambda before, _: add_confirmation(before, store_app_id=store_app_id), dry_run)
