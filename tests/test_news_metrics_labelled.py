"""Precision and recall of ``dramatrack parse news-text`` on labelled trade-press sentences.

``tests/fixtures/news/labelled_sentences.jsonl``: one sentence per line, English and Chinese, written for these
tests in the style of the trade press, each with the figures it reports as (app, metric, value) triples (app is
the catalog display name, ``A+B`` for a shared figure, null for the market; shares as fractions). About a
third report nothing: growth rates, years, episode / title / company counts, funding, prices and per-user
amounts are the traps. Each sentence goes through the CLI (catalog apps, exactly as a user runs it); the
test prints precision and recall over the triples and holds them to >= 0.9 and >= 0.8.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dramatrack_cli.main import app as cli_app

LABELLED = Path(__file__).resolve().parent / "fixtures" / "news" / "labelled_sentences.jsonl"
MIN_PRECISION = 0.9
MIN_RECALL = 0.8


def _triple(app: str | None, metric: str, value: float) -> tuple:
    return app, metric, round(float(value), 6)


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def extracted(labelled, tmp_path_factory) -> dict[str, set[tuple]]:
    """Every sentence through ``parse news-text`` (one file each): its (app, metric, value) triples."""
    runner = CliRunner()
    folder = tmp_path_factory.mktemp("sentences")
    out = {}
    for item in labelled:
        path = folder / f"{item['id']}.txt"
        path.write_text(item["text"], encoding="utf-8")
        result = runner.invoke(cli_app, ["parse", "news-text", str(path)])
        assert result.exit_code == 0, (item["id"], result.stderr)
        records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        assert all(r["sentence"] == item["text"] for r in records), item["id"]  # one labelled sentence each
        out[item["id"]] = {_triple(r["app"], r["metric"], r["value"]) for r in records}
    return out


def test_the_labelled_set_is_big_bilingual_and_has_traps(labelled):
    assert len(labelled) >= 40
    assert len({i["id"] for i in labelled}) == len(labelled)
    by_lang = {lang: [i for i in labelled if i["lang"] == lang] for lang in ("en", "zh")}
    assert len(by_lang["en"]) >= 15 and len(by_lang["zh"]) >= 15
    assert sum(1 for i in labelled if not i["expected"]) >= 10  # sentences with traps only
    metrics = {m for i in labelled for _, m, _ in i["expected"]}
    assert metrics == {"downloads", "revenue", "market_share", "users", "market_size", "rank"}


def test_precision_and_recall_of_parse_news_text(labelled, extracted, capsys):
    tp = fp = fn = 0
    misses = []
    for item in labelled:
        expected = {_triple(*t) for t in item["expected"]}
        got = extracted[item["id"]]
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
        if got != expected:
            misses.append(f"  {item['id']}: missing {sorted(expected - got, key=str)} extra {sorted(got - expected, key=str)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    with capsys.disabled():
        print(f"\nparse news-text on {len(labelled)} labelled sentences: precision {precision:.3f}, recall {recall:.3f} "
              f"({tp} true positives, {fp} false positives, {fn} missed)")
        for line in misses:
            print(line)
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_language_alone_meets_the_bar(labelled, extracted, lang):
    tp = fp = fn = 0
    for item in (i for i in labelled if i["lang"] == lang):
        expected = {_triple(*t) for t in item["expected"]}
        got = extracted[item["id"]]
        tp, fp, fn = tp + len(expected & got), fp + len(got - expected), fn + len(expected - got)
    assert tp / (tp + fp) >= MIN_PRECISION and tp / (tp + fn) >= MIN_RECALL
