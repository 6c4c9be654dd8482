"""The mirror server with faults an operator meets every week: pages that fail for a while, and a gate that
holds pages back until a test or benchmark has done what it needs to (killed a process, filled a disk)."""

from __future__ import annotations

import threading
from collections import Counter
from http import HTTPStatus
from pathlib import Path

from mirror.serve import MirrorServer


class FaultyMirror(MirrorServer):
    """MirrorServer answering some pages with an error status a given number of times, counting requests, and
    holding pages while `gate` is clear (except robots.txt, `open_urls` and the next `passes` pages)."""

    def __init__(self, root: Path | str, port: int = 0) -> None:
        super().__init__(root, port=port)
        self._lock = threading.Lock()
        self._faults: dict[str, list[int]] = {}  # "http://host/path" -> statuses still to answer, in order
        self.hits: Counter[str] = Counter()
        self.gate = threading.Event()
        self.gate.set()
        self.held = threading.Event()  # set once a request waited at the closed gate
        self.open_urls: set[str] = set()
        self.passes = 0

    def fail(self, url: str, status: int, times: int = 1) -> None:
        """Answer the real URL `url` with `status` the next `times` times it is asked for."""
        with self._lock:
            self._faults.setdefault(url, []).extend([status] * times)

    def page_hits(self) -> Counter[str]:
        with self._lock:
            return Counter({url: n for url, n in self.hits.items() if not url.endswith("/robots.txt")})

    def _waits(self, url: str) -> bool:
        if self.gate.is_set() or url.endswith("/robots.txt") or url in self.open_urls:
            return False
        with self._lock:
            if self.passes > 0:
                self.passes -= 1
                return False
        return True

    def resolve(self, target: str) -> tuple[HTTPStatus, Path | None]:
        url = "http:/" + self._split(target)[0]
        if self._waits(url):
            self.held.set()
            self.gate.wait(300)
        with self._lock:
            self.hits[url] += 1
            pending = self._faults.get(url)
            status = pending.pop(0) if pending else None
        if status is not None:
            return HTTPStatus(status), None
        return super().resolve(target)
