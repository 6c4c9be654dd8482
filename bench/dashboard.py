"""The dashboard's pages under concurrent use: p50/p95 per page over the seven benchmark queries.

    .venv/bin/python -m bench.dashboard --db sqlite:////tmp/bench/100k.db --clients 10 --rounds 3

Serves `newsmon web` (web/app.py, start-up heap frozen as `newsmon web` does) with uvicorn on 127.0.0.1 in this
process (or, with `--workers N`, runs `newsmon web --workers N` in a child process, its N worker processes beside
this one), then runs `--clients` threads, each requesting every page of every query `--rounds` times in its own
shuffled order: the search page (hits and facets), the search page sorted by date, the trend page (monthly, one
query), the context page, and browsing with no query. Build the database first with bench/search.py (`--keep`).
Every page runs under the query time limit (NEWSMON_QUERY_TIMEOUT, 2 s by default): a page that was cut is
counted as such (status 400 with the limit's message) and its time still counts; a search page whose facets were
stopped (its hits shown without them) is counted in the column `facets cut`. The target: p95 ≤ 300 ms per page.

The dashboard keeps each answer until the database changes (web/answers.py), so after the first pass (one client
alone, every question new: what a question nobody asked before costs) the clients' requests are answered from
what was kept. `--no-answers` keeps none (NEWSMON_WEB_ANSWERS=0), so that every request is computed: what ten
analysts asking ten different questions cost.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

import httpx
import uvicorn

from bench.search import QUERIES
from web.app import create_app, freeze_startup_heap

PAGES = {
    "search": lambda q: "/search?" + urlencode({"q": q}),
    "search by date": lambda q: "/search?" + urlencode({"q": q, "sort": "date"}),
    "trend (month)": lambda q: "/trends?" + urlencode({"q": q}),
    "context": lambda q: "/context?" + urlencode({"q": q}),
}
BROWSE = "/search?" + urlencode({"site": "", "sort": "date"})
# A search page whose facets were stopped at the time limit, its hits shown (web/templates/search.html).
FACETS_CUT = 'id="facets-cut"'


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def serve(db: str) -> tuple[uvicorn.Server, threading.Thread, int]:
    app = create_app(db)
    freeze_startup_heap()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (server.started and server.servers):
        if time.monotonic() > deadline:
            raise SystemExit("the dashboard did not start")
        time.sleep(0.05)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


def serve_workers(db: str, workers: int) -> tuple[Callable[[], None], int]:
    """`newsmon web --workers N` in a child process on a free port; a function that stops it, and the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "cli", "web", "--db", db, "--port", str(port), "--workers", str(workers)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)

    def stop() -> None:
        child.terminate()
        child.wait(30)

    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/search", timeout=5).status_code == 200:
                return stop, port
        except httpx.TransportError:
            pass
        if child.poll() is not None or time.monotonic() > deadline:
            stop()
            raise SystemExit("the dashboard did not start")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="database URL (built with bench/search.py --keep)")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="times each client requests each page")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="serve with `newsmon web --workers N` in a child process (0: uvicorn in this process)",
    )
    parser.add_argument(
        "--no-answers", action="store_true", help="keep no answers (NEWSMON_WEB_ANSWERS=0): compute every request"
    )
    args = parser.parse_args()
    if args.no_answers:
        os.environ["NEWSMON_WEB_ANSWERS"] = "0"
    if args.workers:
        stop, port = serve_workers(args.db, args.workers)
    else:
        server, thread, port = serve(args.db)

        def stop() -> None:
            server.should_exit = True
            thread.join(10)

    base = f"http://127.0.0.1:{port}"
    requests = [(name, page(q)) for name, page in PAGES.items() for q in QUERIES] + [("browse", BROWSE)]
    times: dict[str, list[float]] = defaultdict(list)
    cut: dict[str, int] = defaultdict(int)
    partial: dict[str, int] = defaultdict(int)
    failed: list[str] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        order = [r for _ in range(args.rounds) for r in requests]
        random.Random(seed).shuffle(order)
        with httpx.Client(base_url=base, timeout=60) as http:
            for name, path in order:
                started = time.perf_counter()
                response = http.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    times[name].append(elapsed)
                    if response.status_code == 400 and "time limit" in response.text:
                        cut[name] += 1
                    elif FACETS_CUT in response.text:
                        partial[name] += 1
                    elif response.status_code != 200:
                        failed.append(f"{response.status_code} {path}")

    first: dict[str, list[float]] = defaultdict(list)
    first_cut: list[str] = []
    loads = [os.getloadavg()[0]]
    with httpx.Client(base_url=base, timeout=120) as warm:  # one pass alone: caches and the vocabulary warm
        for name, path in requests:
            started = time.perf_counter()
            response = warm.get(path)
            first[name].append((time.perf_counter() - started) * 1000)
            if response.status_code == 400 and "time limit" in response.text:
                first_cut.append(f"{name}: {path}")
            elif FACETS_CUT in response.text:
                first_cut.append(f"{name} (facets only): {path}")
    loads.append(os.getloadavg()[0])
    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    loads.append(os.getloadavg()[0])
    stop()
    total = sum(len(v) for v in times.values())
    served = f"{args.workers} worker processes" if args.workers else "served in this process"
    kept = "no answers kept" if args.no_answers else "answers kept until the database changes"
    print(f"first pass, one client, each question new: {'page':<16}{'p50 ms':>9}{'max ms':>9}")
    for name in [*PAGES, "browse"]:
        print(f"{'':<44}{name:<16}{statistics.median(first[name]):>9.0f}{max(first[name]):>9.0f}")
    for page in first_cut:
        print(f"  cut at the time limit: {page}")
    print(f"{args.clients} clients, {total} requests in {wall:.1f} s ({total / wall:.1f}/s), {served}, {kept}")
    print(f"{'page':<16}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cut':>6}{'facets cut':>12}")
    for name in [*PAGES, "browse"]:
        values = times[name]
        print(
            f"{name:<16}{len(values):>9}{statistics.median(values):>9.0f}{percentile(values, 0.95):>9.0f}"
            f"{max(values):>9.0f}{cut[name]:>6}{partial[name]:>12}"
        )
    every = [t for v in times.values() for t in v]
    print(f"{'all pages':<16}{len(every):>9}{statistics.median(every):>9.0f}{percentile(every, 0.95):>9.0f}")
    if not args.workers:
        answers = cast(Any, server.config.app).state.answers
        print(f"answers: {answers.hits} from what was kept, {answers.misses} computed (the first pass included)")
    print(
        "load average (1 min) before, after the first pass, after the clients: " + ", ".join(f"{x:.1f}" for x in loads)
    )
    if failed:
        print(f"{len(failed)} failed requests, e.g. {failed[:3]}")


if __name__ == "__main__":
    main()
