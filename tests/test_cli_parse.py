"""``dramatrack parse appstore-rss`` / ``dramatrack parse itunes-lookup``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dramatrack_cli.main import app

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "appstore"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["parse", *args])


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_appstore_rss_v2_json_lines():
    result = run("appstore-rss", str(FIXTURES / "rss_v2_top_free_us.json"), "--country", "us", "--chart", "top-free")
    assert result.exit_code == 0, result.stderr
    records = lines(result.stdout)
    assert len(records) == 10
    assert {"rank", "store_app_id", "name", "publisher", "genre"} <= set(records[0])
    assert (records[1]["rank"], records[1]["store_app_id"], records[1]["name"], records[1]["genre"]) == (
        2, "1636235979", "ReelShort - Short Movie & TV", "all")
    assert result.stderr == ""


def test_appstore_rss_legacy_with_genre():
    result = run("appstore-rss", str(FIXTURES / "legacy_topgrossing_6016_us.json"), "--country", "us",
                 "--chart", "top-grossing", "--genre", "6016")
    assert result.exit_code == 0, result.stderr
    records = lines(result.stdout)
    assert [r["rank"] for r in records] == list(range(1, 11))
    assert {r["genre"] for r in records} == {"6016"}
    assert records[0]["publisher"] == "Crazy Maple Studio"


def test_appstore_rss_empty_chart_prints_nothing():
    result = run("appstore-rss", str(FIXTURES / "legacy_empty.json"), "--country", "mt", "--chart", "top-grossing")
    assert (result.exit_code, result.stdout) == (0, "")


def test_itunes_lookup_json_lines():
    result = run("itunes-lookup", str(FIXTURES / "lookup_dramas_us.json"))
    assert result.exit_code == 0, result.stderr
    records = lines(result.stdout)
    assert len(records) == 4
    wanted = {"track_id", "name", "bundle_id", "seller", "kind", "user_rating_count", "average_user_rating",
              "version", "price", "currency"}
    assert wanted <= set(records[0])
    assert records[0]["track_id"] == "1636235979" and records[0]["country"] == "us"
    assert records[3]["user_rating_count"] is None and records[3]["average_user_rating"] is None
    assert records[0]["genre_ids"] == ["6016"]
    assert "• New stories every week" in result.stdout  # ensure_ascii=False


def test_itunes_lookup_result_count_zero():
    result = run("itunes-lookup", str(FIXTURES / "lookup_empty.json"), "--country", "pt")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("appstore-rss", "malformed_truncated.json", "--country", "us", "--chart", "top-free"), "not JSON"),
        (("appstore-rss", "malformed_html.html", "--country", "us", "--chart", "top-free"), "HTML"),
        (("appstore-rss", "rss_v2_missing_id.json", "--country", "us", "--chart", "top-free"),
         "result 3: missing id"),
        (("appstore-rss", "rss_v2_top_free_us.json", "--country", "us", "--chart", "free"), "unknown chart"),
        (("itunes-lookup", "malformed_html.html"), "HTML"),
        (("itunes-lookup", "rss_v2_top_free_us.json"), "resultCount"),
        (("itunes-lookup", "no_such_file.json"), "cannot read file"),
        (("appstore-rss", "no_such_file.json", "--country", "us", "--chart", "top-free"), "cannot read file"),
    ],
)
def test_malformed_input_exits_1_with_one_line(args, needle):
    command, name, *options = args
    path = str(FIXTURES / name)
    result = run(command, path, *options)
    assert result.exit_code == 1
    assert result.stdout == ""
    err_lines = result.stderr.splitlines()
    assert len(err_lines) == 1, result.stderr
    assert path in err_lines[0] and needle in err_lines[0]
    assert err_lines[0].startswith(f"{command}: ")
    assert "Traceback" not in result.stderr


def test_console_script_keeps_imports_light():
    code = ("import sys; from dramatrack_cli.main import app; "
            "heavy = [m for m in ('airflow', 'pandas', 'great_expectations', 'pyarrow') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == ""


def test_console_script_real_process():
    script = Path(sys.executable).parent / "dramatrack"
    if not script.exists():
        pytest.skip("console script not installed")
    missing = FIXTURES / "no_such_file.json"
    out = subprocess.run([str(script), "parse", "itunes-lookup", str(missing)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.splitlines() == [f"itunes-lookup: {missing}: cannot read file (No such file or directory)"]
