"""The mirror server with faults an operator meets every week: pages that fail for a while, and a gate that
holds pages back until a test or benchmark has done what it needs to (killed a process, filled a disk)."""

from __future__ import annotations

import threading
from collections import Counter
from http import HTTPStatus
from pathlib import Path

from mirror.serve import MirrorServer, _MirrorHandler, content_type


class _FaultyHandler(_MirrorHandler):
    def _serve(self, send_body: bool) -> None:
        assert isinstance(self.server, FaultyMirror)
        cut = self.server.cut_for("http:/" + self.server._split(self.path)[0])
        if cut is None:
            super()._serve(send_body)
            return
        keep, declare_length = cut
        status, path = self.server.resolve(self.path)
        if path is None:
            self.send_error(status)
            return
        data = path.read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(path))
        if declare_length:
            self.send_header("Content-Length", str(len(data)))
        else:
            self.send_header("Connection", "close")  # the body ends where the connection does
        self.end_headers()
        if send_body:
            self.wfile.write(data[:keep])
        self.close_connection = True


class FaultyMirror(MirrorServer):
    """MirrorServer answering some pages with an error status a given number of times, counting requests, and
    holding pages while `gate` is clear (except robots.txt, `open_urls` and the next `passes` pages)."""

    def __init__(self, root: Path | str, port: int = 0) -> None:
        super().__init__(root, port=port)
        self.RequestHandlerClass = _FaultyHandler
        self._lock = threading.Lock()
        self._cuts: dict[str, tuple[int, bool]] = {}
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

    def cut(self, url: str, keep: int, *, declare_length: bool) -> None:
        """Send only the first `keep` bytes of the real URL `url`, then close the connection; with
        `declare_length`, after a Content-Length that promised the whole page."""
        with self._lock:
            self._cuts[url] = (keep, declare_length)

    def heal(self) -> None:
        """Serve every page whole again."""
        with self._lock:
            self._cuts.clear()

    def cut_for(self, url: str) -> tuple[int, bool] | None:
        with self._lock:
            return self._cuts.get(url)

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
