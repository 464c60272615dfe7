"""Parser benchmark: this project's parsers against google-play-scraper and against plain ``json.loads``.

    .venv/bin/python -m bench.bench_parse --out bench/results.json

Google Play details page (the reference page ../shared/reference/google_play/details_translate.html,
or the project's own fixture when ../shared is absent, which the output says):

- ours: ``transforms.google_play_details.parse_play_details(body)``;
- scraper: google-play-scraper's own HTML-to-dict step, ``google_play_scraper.features.app.parse_dom``
  (what ``app()`` runs on the page it downloaded), fed the page already decoded to ``str`` (its
  input type; the decoding is left out of its time, which favours it) - no network;
- floor: ``json.loads`` of the app block's data JSON alone, cut from the page once, outside the
  timed loop. ``floor`` parses the cut bytes (what any parser of this body has to do at least);
  ``floor_text`` parses it pre-decoded to ``str`` (UTF-8 decoding excluded too).

Also: the vyAe2 chart parser vs ``json.loads`` of its two JSON layers, the App Store RSS parser on
tests/fixtures/appstore/*.json and the iTunes Lookup parser on the reference lookup, each vs
``json.loads`` of the same body.

Timing: each candidate is calibrated (``timeit`` autorange, at least ``--min-time`` s per run), then
all of a group run interleaved, ``--repeat`` rounds, best round kept (per-call ms). Interleaving
keeps the ratios fair when the machine is busy. Results are merged into ``--out`` under "parse".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"
FIXTURES = REPO / "tests" / "fixtures"

GOAL_SCRAPER_OVER_OURS = 2.0  # ours at least 2x faster than google-play-scraper
GOAL_OURS_OVER_FLOOR = 1.5  # ours within 1.5x of json.loads of the data block


def best_ms(cands: dict[str, Callable[[], Any]], *, repeat: int, min_time: float) -> dict[str, float]:
    """Best per-call time in ms of each candidate, rounds interleaved across candidates."""
    timers = {name: timeit.Timer(fn) for name, fn in cands.items()}
    numbers = {}
    for name, timer in timers.items():
        n, elapsed = timer.autorange()
        numbers[name] = max(1, int(n * min_time / max(elapsed, 1e-9)))
    best = {name: float("inf") for name in cands}
    for _ in range(repeat):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(numbers[name]) / numbers[name] * 1e3)
    return best


def _source(rel: str, fallback: Path) -> tuple[Path, str]:
    path = REFERENCE / rel
    if path.is_file():
        return path, f"reference {rel}"
    return fallback, f"project fixture {fallback.relative_to(REPO)} (../shared/reference absent)"


# --------------------------------------------------------------------------------------------- Google Play


def _app_block_bytes(body: bytes) -> bytes:
    """The data JSON of the app block, cut once (not timed), independently of the parser under test:
    every block is decoded and the one with a title at ``data[1][2][0][0]`` kept."""
    for head in re.finditer(rb"AF_initDataCallback\(\{key: '[^']*', hash: '[^']*', data:", body):
        end = body.find(b", sideChannel: {}});</script>", head.end())
        try:
            node = json.loads(body[head.end() : end])
        except ValueError:
            continue
        for i in (1, 2, 0, 0):  # through lists only
            node = node[i] if isinstance(node, list) and len(node) > i else None
        if isinstance(node, str):
            return body[head.end() : end]
    raise SystemExit("benchmark page has no app block")


def bench_details(repeat: int, min_time: float) -> dict[str, Any]:
    from google_play_scraper.features.app import parse_dom

    from transforms.google_play_details import parse_play_details

    path, source = _source("google_play/details_translate.html", FIXTURES / "google_play" / "details_reelshort.html")
    body = path.read_bytes()
    html = body.decode("utf-8")
    block = _app_block_bytes(body)
    block_text = block.decode("utf-8")
    ours = parse_play_details(body)
    scraped = parse_dom(dom=html, app_id=ours.app_id, url="")
    agree = (scraped.get("title"), scraped.get("realInstalls"), scraped.get("score")) == (
        ours.title, ours.real_installs, ours.score)

    ms = best_ms(
        {
            "ours": lambda: parse_play_details(body),
            "scraper": lambda: parse_dom(dom=html, app_id=ours.app_id, url=""),
            "floor": lambda: json.loads(block),
            "floor_text": lambda: json.loads(block_text),
        },
        repeat=repeat,
        min_time=min_time,
    )
    out = {
        "source": source,
        "page_bytes": len(body),
        "data_block_bytes": len(block),
        "scraper_agrees": agree,
        **{f"{k}_ms": round(v, 4) for k, v in ms.items()},
        "scraper_over_ours": round(ms["scraper"] / ms["ours"], 2),
        "ours_over_floor": round(ms["ours"] / ms["floor"], 2),
        "ours_over_floor_text": round(ms["ours"] / ms["floor_text"], 2),
    }
    out["goal_scraper_over_ours_ge_2"] = out["scraper_over_ours"] >= GOAL_SCRAPER_OVER_OURS
    out["goal_ours_over_floor_le_1_5"] = out["ours_over_floor"] <= GOAL_OURS_OVER_FLOOR
    return out


def bench_chart(repeat: int, min_time: float) -> dict[str, Any]:
    from transforms.google_play_chart import parse_play_chart

    path, source = _source("google_play/list_topfree_game.txt", FIXTURES / "google_play" / "chart_entertainment_us.txt")
    body = path.read_bytes()
    genre = "GAME" if path.name == "list_topfree_game.txt" else "ENTERTAINMENT"
    start = body.index(b"[")  # the first chunk (the vyAe2 envelope), cut once
    envelope = body[start : body.index(b"\n", start)]

    def floor() -> Any:
        return json.loads(json.loads(envelope)[0][2])

    ms = best_ms(
        {"ours": lambda: parse_play_chart(body, chart="top-free", genre=genre), "floor": floor},
        repeat=repeat,
        min_time=min_time,
    )
    return {
        "source": source,
        "apps": len(parse_play_chart(body, chart="top-free", genre=genre)),
        **{f"{k}_ms": round(v, 4) for k, v in ms.items()},
        "ours_over_floor": round(ms["ours"] / ms["floor"], 2),
    }


# --------------------------------------------------------------------------------------------- App Store


def bench_appstore_rss(repeat: int, min_time: float) -> list[dict[str, Any]]:
    from transforms.appstore_rss import parse_appstore_rss
    from transforms.errors import ParseError
    from transforms.records import CHARTS

    rows = []
    for path in sorted((FIXTURES / "appstore").glob("*.json")):
        if path.name.startswith("lookup_"):
            continue
        body = path.read_bytes()
        for chart in CHARTS:  # the one the feed claims (the parser rejects the others)
            try:
                entries = parse_appstore_rss(body, country="us", chart=chart)
                break
            except ParseError:
                continue
        else:
            continue  # a malformed-on-purpose fixture
        ms = best_ms(
            {"ours": lambda b=body, c=chart: parse_appstore_rss(b, country="us", chart=c),
             "json_loads": lambda b=body: json.loads(b)},
            repeat=repeat,
            min_time=min_time,
        )
        rows.append({"file": str(path.relative_to(REPO)), "entries": len(entries),
                     **{f"{k}_ms": round(v, 4) for k, v in ms.items()},
                     "ours_over_json_loads": round(ms["ours"] / ms["json_loads"], 2)})
    return rows


def bench_lookup(repeat: int, min_time: float) -> dict[str, Any]:
    from transforms.itunes_lookup import parse_itunes_lookup

    path, source = _source("itunes/lookup_angry_birds_us.json", FIXTURES / "appstore" / "lookup_dramas_us.json")
    body = path.read_bytes()
    ms = best_ms(
        {"ours": lambda: parse_itunes_lookup(body, country="us"), "json_loads": lambda: json.loads(body)},
        repeat=repeat,
        min_time=min_time,
    )
    return {"source": source, "results": len(parse_itunes_lookup(body, country="us")),
            **{f"{k}_ms": round(v, 4) for k, v in ms.items()},
            "ours_over_json_loads": round(ms["ours"] / ms["json_loads"], 2)}


# --------------------------------------------------------------------------------------------- output


def table(results: dict[str, Any]) -> str:
    d, c = results["gplay_details"], results["gplay_chart"]
    rows = [
        ("gplay details: ours", d["ours_ms"], ""),
        ("gplay details: google-play-scraper parse_dom", d["scraper_ms"],
         f"scraper/ours {d['scraper_over_ours']}x (goal >= {GOAL_SCRAPER_OVER_OURS})"),
        ("gplay details: json.loads(data block bytes)", d["floor_ms"],
         f"ours/floor {d['ours_over_floor']}x (goal <= {GOAL_OURS_OVER_FLOOR})"),
        ("gplay details: json.loads(data block str)", d["floor_text_ms"], f"ours/floor_text {d['ours_over_floor_text']}x"),
        (f"gplay chart ({c['apps']} apps): ours", c["ours_ms"], ""),
        ("gplay chart: json.loads x2 (envelope bytes, payload)", c["floor_ms"], f"ours/floor {c['ours_over_floor']}x"),
    ]
    for r in results["appstore_rss"]:
        name = Path(r["file"]).name
        rows.append((f"appstore rss {name}: ours", r["ours_ms"], ""))
        rows.append((f"appstore rss {name}: json.loads", r["json_loads_ms"], f"ours/json.loads {r['ours_over_json_loads']}x"))
    lk = results["itunes_lookup"]
    rows.append(("itunes lookup: ours", lk["ours_ms"], ""))
    rows.append(("itunes lookup: json.loads", lk["json_loads_ms"], f"ours/json.loads {lk['ours_over_json_loads']}x"))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'parse':<{width}}  {'ms/call':>10}  ratio", "-" * (width + 40)]
    lines += [f"{name:<{width}}  {value:>10.4f}  {note}" for name, value, note in rows]
    lines.append(f"details page: {d['source']}; chart: {c['source']}; lookup: {lk['source']}")
    lines.append(f"google-play-scraper's title/realInstalls/score agree with ours: {d['scraper_agrees']}"
                 " (it reads the fixed key ds:5)")
    lines.append(f"cpu_count={results['cpu_count']}  python={results['python']}")
    return "\n".join(lines)


def merge_into(out: Path, key: str, results: dict[str, Any]) -> None:
    """Read-modify-write ``out``: set ``key``, keep everything else."""
    doc: dict[str, Any] = {}
    if out.exists():
        try:
            doc = json.loads(out.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise SystemExit(f"{out} is not JSON ({exc}); not overwriting it") from None
        if not isinstance(doc, dict):
            raise SystemExit(f"{out} is not a JSON object; not overwriting it")
    doc[key] = results
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    ap.add_argument("--repeat", type=int, default=7, help="interleaved rounds; the best is kept")
    ap.add_argument("--min-time", type=float, default=0.2, help="seconds per candidate per round")
    args = ap.parse_args(argv)

    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "repeat": args.repeat,
        "min_time_s": args.min_time,
    }
    results["gplay_details"] = bench_details(args.repeat, args.min_time)
    results["gplay_chart"] = bench_chart(args.repeat, args.min_time)
    results["appstore_rss"] = bench_appstore_rss(args.repeat, args.min_time)
    results["itunes_lookup"] = bench_lookup(args.repeat, args.min_time)
    merge_into(args.out, "parse", results)
    print(table(results))
    if "absent" in results["gplay_details"]["source"]:
        print("note: ../shared/reference is absent: the details page is the project's own small fixture")
    print(f"merged into {args.out} under 'parse'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
