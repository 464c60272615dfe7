"""Fetch benchmark: PoliteClient.fetch_many against a loopback server that answers after 100 ms.

    .venv/bin/python -m bench.bench_fetch --out bench/results.json

The server is tests/loopback_server.py's LoopbackServer, run in its own process (so its threads do not
share the client's GIL) on 127.0.0.1; every request to ``/item`` is answered after ``--delay`` s with a
``--body-bytes`` body, ``/robots.txt`` allows everything. The client is the real path: ``PoliteClient`` with
robots.txt honoured, retries configured, every response archived to a gzip ``WarcArchive`` in a temporary
directory (a new file per run). Politeness: ``max_concurrency_per_host=8``, ``max_workers=8`` (the default),
``requests_per_second_per_host=1000`` and no jitter, so the rate limit does not bind and the concurrency cap
does.

Compared side by side in one run (rounds interleaved: concurrent, one-by-one, concurrent, concurrent ...):

- ``fetch_many`` of ``--requests`` URLs vs the politeness floor ``requests * delay / 8`` (goal <= 1.2x);
- the same URLs fetched one by one with ``PoliteClient.fetch`` (same settings, same archive kind) vs
  ``fetch_many`` (goal >= 10x faster). The one-by-one pass is run ``--sequential-rounds`` times (default 1:
  it takes requests x delay, 50 s by default, and is dominated by the server's sleep, so it varies little).

Also checked: every response is a 200, and the server saw at most 8 requests in flight (and reached 8).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, REPO, goal, goals_table, machine, median, merge_into

GOAL_OVER_FLOOR = 1.2
GOAL_SPEEDUP = 10.0

_SERVER = r"""
import json, sys
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + "/tests")
import loopback_server
from loopback_server import LoopbackServer, Reply
delay, size, nodelay = float(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
# TCP_NODELAY: the handler writes the headers and the body in two send()s; with Nagle on, the body waits
# for the client's delayed ACK of the headers (~40 ms on Linux loopback), which no real server does.
loopback_server._Handler.disable_nagle_algorithm = nodelay
server = LoopbackServer().start()
server.script("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}))
server.script("/item", Reply(200, b"x" * size, headers={"Content-Type": "application/json"}, delay=delay))
print(server.port, flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "stats":
        with server._lock:
            stats = {"requests": len(server.requests), "max_in_flight": server.max_in_flight,
                     "max_in_flight_by_host": dict(server.max_in_flight_by_host)}
            server.requests.clear(); server.max_in_flight = 0; server.max_in_flight_by_host.clear()
        print(json.dumps(stats), flush=True)
    elif cmd == "quit":
        break
server.stop()
"""


class ServerProcess:
    """The loopback server in a child process; ``stats()`` returns and resets its request counters."""

    def __init__(self, delay: float, body_bytes: int, nodelay: bool = True):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(REPO), str(delay), str(body_bytes), "1" if nodelay else "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.port = int(self.proc.stdout.readline())

    def stats(self) -> dict[str, Any]:
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def _settings(data_dir: Path, concurrency: int):
    from dramatrack.settings import Settings

    return Settings(
        data_dir=data_dir,
        allowed_hosts=["127.0.0.1"],
        requests_per_second_per_host=1000.0,
        host_rate_overrides={},
        rate_jitter=0.0,
        max_concurrency_per_host=concurrency,
        max_workers=8,
        max_retries=2,
        backoff_base_seconds=0.05,
        connect_timeout=5.0,
        read_timeout=10.0,
        respect_robots_txt=True,
    )


def run_once(mode: str, urls: list[str], settings, warc: Path) -> tuple[float, list[int]]:
    """One pass (``concurrent``: fetch_many; ``sequential``: fetch one by one); (seconds, statuses)."""
    from extractors.http_client import FetchError, FetchRequest, PoliteClient
    from extractors.warc_archive import WarcArchive

    with PoliteClient(settings) as client, WarcArchive(warc) as archive:
        t0 = time.perf_counter()
        if mode == "concurrent":
            results = client.fetch_many([FetchRequest(u) for u in urls], archive=archive)
        else:
            results = []
            for u in urls:
                try:
                    results.append(client.fetch(u, archive=archive))
                except FetchError as exc:
                    results.append(exc)
        seconds = time.perf_counter() - t0
    return seconds, [getattr(r, "status", None) or -1 for r in results]


def bench(requests: int, delay: float, concurrency: int, body_bytes: int, rounds: int,
          sequential_rounds: int, nodelay: bool = True) -> dict[str, Any]:
    server = ServerProcess(delay, body_bytes, nodelay)
    conc: list[float] = []
    seq: list[float] = []
    checks: list[dict[str, Any]] = []
    try:
        urls = [f"http://127.0.0.1:{server.port}/item?i={i}" for i in range(requests)]
        # interleaved: c s c c ... (the one-by-one passes spread between the concurrent ones)
        order = ["concurrent"]
        while order.count("sequential") < sequential_rounds or order.count("concurrent") < rounds:
            if order.count("sequential") < sequential_rounds:
                order.append("sequential")
            if order.count("concurrent") < rounds:
                order.append("concurrent")
        with tempfile.TemporaryDirectory(prefix="dramatrack-bench-fetch-") as tmp:
            settings = _settings(Path(tmp), concurrency)
            for n, mode in enumerate(order):
                warc = Path(tmp) / f"{n:02d}-{mode}.warc.gz"
                seconds, statuses = run_once(mode, urls, settings, warc)
                stats = server.stats()
                ok = sum(1 for s in statuses if s == 200)
                checks.append({"mode": mode, "seconds": round(seconds, 3), "ok_200": ok,
                               "server_requests": stats["requests"],
                               "max_in_flight_per_host": max(stats["max_in_flight_by_host"].values(), default=0),
                               "warc_bytes": warc.stat().st_size})
                (conc if mode == "concurrent" else seq).append(seconds)
                print(f"  {mode:<10} {seconds:7.2f} s  {ok}/{requests} ok  "
                      f"max in flight {checks[-1]['max_in_flight_per_host']}", flush=True)
    finally:
        server.close()
    floor = requests * delay / concurrency
    conc_med, seq_med = median(conc), median(seq)
    out: dict[str, Any] = {
        "requests": requests, "delay_s": delay, "concurrency_per_host": concurrency, "body_bytes": body_bytes,
        "archive": "WarcArchive (gzip WARC) in a temporary directory, a new file per pass",
        "server_tcp_nodelay": nodelay,
        "robots_txt": "honoured (one robots.txt request per pass, answered at once)",
        "settings": "requests_per_second_per_host=1000, rate_jitter=0, max_concurrency_per_host="
                    f"{concurrency}, max_workers=8",
        "floor_s": round(floor, 3),
        "concurrent_s": [round(x, 3) for x in conc], "sequential_s": [round(x, 3) for x in seq],
        "concurrent_median_s": round(conc_med, 3), "concurrent_best_s": round(min(conc), 3),
        "sequential_median_s": round(seq_med, 3),
        "concurrent_over_floor": round(conc_med / floor, 3),
        "sequential_over_concurrent": round(seq_med / conc_med, 2),
        # one by one takes >= requests * delay, fetch_many >= the floor: the speed-up cannot exceed the
        # per-host concurrency (plus what one-by-one loses to per-request overhead)
        "speedup_ceiling": concurrency,
        "speedup_of_ceiling": round(seq_med / conc_med / concurrency, 3),
        "sequential_ms_per_request": round(seq_med / requests * 1000, 2),
        "passes": checks,
        "all_ok": all(c["ok_200"] == requests for c in checks),
        "politeness_held": all(c["max_in_flight_per_host"] <= concurrency for c in checks),
        "reached_concurrency": all(c["max_in_flight_per_host"] == concurrency for c in checks
                                   if c["mode"] == "concurrent"),
    }
    out["goals"] = [
        goal("fetch: fetch_many wall / politeness floor", out["concurrent_over_floor"], "<=", GOAL_OVER_FLOOR,
             f"median {conc_med:.2f} s vs floor {floor:.2f} s"),
        goal("fetch: one-by-one / fetch_many (speed-up)", out["sequential_over_concurrent"], ">=", GOAL_SPEEDUP,
             f"{seq_med:.1f} s vs {conc_med:.2f} s; at most {concurrency} with {concurrency}/host"),
        goal("fetch: speed-up / its ceiling (the concurrency)", out["speedup_of_ceiling"], None, None,
             f"one-by-one >= {requests} x {delay * 1000:.0f} ms, fetch_many >= the floor"),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--delay", type=float, default=0.1, help="server answer delay, seconds")
    ap.add_argument("--concurrency", type=int, default=8, help="max_concurrency_per_host")
    ap.add_argument("--body-bytes", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=3, help="fetch_many passes (the median is kept)")
    ap.add_argument("--nagle", action="store_true",
                    help="leave Nagle's algorithm on in the loopback server (its ~40 ms delayed-ACK stall per "
                         "response; the default turns it off, as real servers do)")
    ap.add_argument("--sequential-rounds", type=int, default=1, help="one-by-one passes (the median is kept)")
    args = ap.parse_args(argv)
    results = {**machine(), **bench(args.requests, args.delay, args.concurrency, args.body_bytes, args.rounds,
                                    args.sequential_rounds, not args.nagle)}
    merge_into(args.out, "fetch", results)
    print(goals_table(f"fetch ({args.requests} requests, {args.delay * 1000:.0f} ms each, "
                      f"{args.concurrency}/host; cpu_count={results['cpu_count']})", results["goals"]))
    print(f"merged into {args.out} under 'fetch'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
