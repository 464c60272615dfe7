"""Fetch benchmark: PoliteClient.fetch_many against a loopback server that answers after 100 ms.

    .venv/bin/python -m bench.bench_fetch --out bench/results.json

The server is tests/loopback_server.py's LoopbackServer, run in its own process (so its threads do not
share the client's GIL) on 127.0.0.1; every request to ``/item`` is answered after ``--delay`` s with a
``--body-bytes`` body, ``/robots.txt`` allows everything. The client is the real path: ``PoliteClient`` with
robots.txt honoured, retries configured, every response archived to a gzip ``WarcArchive`` in a temporary
directory (a new file per run). Politeness: ``max_concurrency_per_host=8``, ``max_workers=16`` (threads),
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
# one server per simulated host (127.0.0.1, 127.0.0.2, ...: all of 127/8 is loopback on Linux)
servers = [LoopbackServer(bind=f"127.0.0.{n + 1}").start() for n in range(int(sys.argv[5]))]
for server in servers:
    server.script("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}))
    server.script("/item", Reply(200, b"x" * size, headers={"Content-Type": "application/json"}, delay=delay))
print(json.dumps([[s.bind, s.port] for s in servers]), flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "stats":
        stats = {"requests": 0, "max_in_flight_by_host": {}}
        for server in servers:
            with server._lock:
                stats["requests"] += len(server.requests)
                stats["max_in_flight_by_host"].update(server.max_in_flight_by_host)
                server.requests.clear(); server.max_in_flight = 0; server.max_in_flight_by_host.clear()
        print(json.dumps(stats), flush=True)
    elif cmd == "quit":
        break
for server in servers:
    server.stop()
"""


class ServerProcess:
    """The loopback server in a child process; ``stats()`` returns and resets its request counters."""

    def __init__(self, delay: float, body_bytes: int, nodelay: bool = True, hosts: int = 1):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(REPO), str(delay), str(body_bytes), "1" if nodelay else "0",
             str(hosts)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.addresses = [(host, int(port)) for host, port in json.loads(self.proc.stdout.readline())]

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
        allowed_hosts=[f"127.0.0.{n}" for n in range(1, 9)],
        requests_per_second_per_host=1000.0,
        host_rate_overrides={},
        rate_jitter=0.0,
        max_concurrency_per_host=concurrency,
        max_workers=2 * concurrency,  # enough threads for both hosts' 8; one host is still capped at 8
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


def _order(rounds: int, sequential_rounds: int) -> list[str]:
    """Interleaved passes: one host, one-by-one, two hosts, one host, two hosts, ... (one-by-one spread out)."""
    order: list[str] = []
    while (order.count("one_host") < rounds or order.count("two_hosts") < rounds
           or order.count("sequential") < sequential_rounds):
        for mode, wanted in (("one_host", rounds), ("sequential", sequential_rounds), ("two_hosts", rounds)):
            if order.count(mode) < wanted:
                order.append(mode)
    return order


def bench(requests: int, delay: float, concurrency: int, body_bytes: int, rounds: int,
          sequential_rounds: int, nodelay: bool = True) -> dict[str, Any]:
    server = ServerProcess(delay, body_bytes, nodelay, hosts=2)
    times: dict[str, list[float]] = {"one_host": [], "two_hosts": [], "sequential": []}
    checks: list[dict[str, Any]] = []
    (host_a, port_a), (host_b, port_b) = server.addresses
    urls = {
        "one_host": [f"http://{host_a}:{port_a}/item?i={i}" for i in range(requests)],
        # the App Store day's shape: chart feeds on one host, lookups on another (half each here)
        "two_hosts": [f"http://{host_a}:{port_a}/item?i={i}" if i % 2 == 0 else
                      f"http://{host_b}:{port_b}/item?i={i}" for i in range(requests)],
    }
    urls["sequential"] = urls["two_hosts"]  # one by one, the host does not matter: each waits its 100 ms
    try:
        with tempfile.TemporaryDirectory(prefix="dramatrack-bench-fetch-") as tmp:
            settings = _settings(Path(tmp), concurrency)
            for n, mode in enumerate(_order(rounds, sequential_rounds)):
                warc = Path(tmp) / f"{n:02d}-{mode}.warc.gz"
                seconds, statuses = run_once("sequential" if mode == "sequential" else "concurrent",
                                             urls[mode], settings, warc)
                stats = server.stats()
                ok = sum(1 for st in statuses if st == 200)
                by_host = stats["max_in_flight_by_host"]
                checks.append({"mode": mode, "seconds": round(seconds, 3), "ok_200": ok,
                               "server_requests": stats["requests"], "max_in_flight_by_host": by_host,
                               "warc_bytes": warc.stat().st_size})
                times[mode].append(seconds)
                print(f"  {mode:<10} {seconds:7.2f} s  {ok}/{requests} ok  max in flight per host {by_host}",
                      flush=True)
    finally:
        server.close()
    floor_one = requests * delay / concurrency
    floor_two = -(-requests // 2) * delay / concurrency  # the busier host's share
    one, two, seq = (median(times[m]) for m in ("one_host", "two_hosts", "sequential"))
    out: dict[str, Any] = {
        "requests": requests, "delay_s": delay, "concurrency_per_host": concurrency, "body_bytes": body_bytes,
        "archive": "WarcArchive (gzip WARC) in a temporary directory, a new file per pass",
        "server_tcp_nodelay": nodelay,
        "robots_txt": "honoured (one robots.txt request per host per pass, answered at once)",
        "settings": "requests_per_second_per_host=1000, rate_jitter=0, max_concurrency_per_host="
                    f"{concurrency}, max_workers={2 * concurrency}",
        "hosts": [f"{host_a}:{port_a}", f"{host_b}:{port_b}"],
        "floor_s": round(floor_one, 3), "floor_two_hosts_s": round(floor_two, 3),
        "concurrent_s": [round(x, 3) for x in times["one_host"]],
        "two_hosts_s": [round(x, 3) for x in times["two_hosts"]],
        "sequential_s": [round(x, 3) for x in times["sequential"]],
        "concurrent_median_s": round(one, 3), "concurrent_best_s": round(min(times["one_host"]), 3),
        "two_hosts_median_s": round(two, 3),
        "sequential_median_s": round(seq, 3),
        "concurrent_over_floor": round(one / floor_one, 3),
        "two_hosts_over_floor": round(two / floor_two, 3),
        "sequential_over_concurrent": round(seq / one, 2),
        "sequential_over_two_hosts": round(seq / two, 2),
        # one by one takes >= requests * delay, fetch_many >= the floor: on one host the speed-up cannot
        # exceed the per-host concurrency (plus what one-by-one loses to per-request overhead)
        "speedup_ceiling": concurrency,
        "speedup_of_ceiling": round(seq / one / concurrency, 3),
        "sequential_ms_per_request": round(seq / requests * 1000, 2),
        "passes": checks,
        "all_ok": all(c["ok_200"] == requests for c in checks),
        "politeness_held": all(v <= concurrency for c in checks for v in c["max_in_flight_by_host"].values()),
        "reached_concurrency": all(v == concurrency for c in checks if c["mode"] != "sequential"
                                   for v in c["max_in_flight_by_host"].values()),
    }
    out["goals"] = [
        goal("fetch: fetch_many wall / politeness floor", out["concurrent_over_floor"], "<=", GOAL_OVER_FLOOR,
             f"median {one:.2f} s vs floor {floor_one:.2f} s (one host)"),
        goal("fetch: one-by-one / fetch_many (speed-up), one host", out["sequential_over_concurrent"], ">=",
             GOAL_SPEEDUP, f"{seq:.1f} s vs {one:.2f} s; at most {concurrency} with {concurrency}/host"),
        goal("fetch: fetch_many wall / floor, two hosts", out["two_hosts_over_floor"], "<=", GOAL_OVER_FLOOR,
             f"median {two:.2f} s vs floor {floor_two:.2f} s"),
        goal("fetch: one-by-one / fetch_many (speed-up), two hosts", out["sequential_over_two_hosts"], ">=",
             GOAL_SPEEDUP, f"{seq:.1f} s vs {two:.2f} s (charts host + lookup host, as an App Store day)"),
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
