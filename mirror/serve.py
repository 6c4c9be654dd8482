"""Serve a mirror directory laid out as <root>/<host>/<path> over HTTP, bound to 127.0.0.1 only."""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import logging
import socketserver
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8765

# HTML goes out without a charset on purpose: the real sites send none either, so a decoder has to honour
# the page's own <meta> (GB2312 declared, GBK bytes) and that is what the mirror must exercise.
_CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".json": "application/json",
    ".js": "application/javascript",
    ".xml": "application/xml",
    ".css": "text/css",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
}


def content_type(path: Path) -> str:
    """The Content-Type the mirror sends for a file."""
    return _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def _require_loopback(host: str) -> None:
    # The mirror serves whatever sits under its root, so it must never be reachable from another machine.
    if host == "localhost":
        return
    try:
        loopback = ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the mirror binds to a loopback IPv4 address only, not {host!r}")


# Answers other than 200 (redirects, removed pages), listed in <root>/_responses.json: {"redirects":
# {"<host>/<path>": "<absolute URL>"}, "gone": ["<host>/<path>"]}. A real site moves and removes pages; so does
# the mirror.
RESPONSES_FILE = "_responses.json"


def query_key(query: str) -> str:
    """A file-name-safe key for a query string: the same parameters in any order or encoding, the same key."""
    canonical = urlencode(sorted(parse_qsl(query, keep_blank_values=True)))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:16]


def query_file(path: str, query: str, suffix: str) -> str:
    """Where the answer to `path?query` is kept: `<path>@<query key><suffix>` (a page per API call)."""
    return f"{path}@{query_key(query)}{suffix}"


def mirror_url(base_url: str, real_url: str) -> str:
    """Map a real URL to its mirror URL: http://<host>/<path> → <base_url>/<host>/<path> (query kept)."""
    parts = urlsplit(real_url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{base_url.rstrip('/')}/{parts.netloc}{parts.path or '/'}{query}"


class _MirrorHandler(BaseHTTPRequestHandler):
    server_version = "newsmon-mirror/1"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        assert isinstance(self.server, MirrorServer)
        redirect = self.server.redirect_for(self.path)
        if redirect:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, path = self.server.resolve(self.path)
        if path is None:
            self.send_error(status)
            return
        data = path.read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines go to logging at DEBUG so test and crawl output stay readable.
        logger.debug("%s " + format, self.address_string(), *args)


class MirrorServer(ThreadingHTTPServer):
    """HTTP server answering `/<host>/<path>` from `<root>/<host>/<path>`.

    Use it as a context manager to run it in a background thread::

        with MirrorServer(root, port=0) as srv:
            srv.url  # "http://127.0.0.1:NNNNN"

    A path ending in `/` (or naming a directory) serves that directory's index.html; a missing file is
    404 and any `..` segment is 403. Absolute-form request targets (`GET http://host/path`, as sent to a
    proxy) are answered too, so the mirror can also stand in as an HTTP proxy.
    """

    daemon_threads = True

    def __init__(self, root: Path | str, port: int = 0, host: str = "127.0.0.1") -> None:
        _require_loopback(host)
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"mirror root {self.root} is not a directory")
        self._thread: threading.Thread | None = None
        special = self.root / RESPONSES_FILE
        responses = json.loads(special.read_text(encoding="utf-8")) if special.is_file() else {}
        self.redirects: dict[str, str] = dict(responses.get("redirects", {}))
        self.gone: set[str] = set(responses.get("gone", []))
        super().__init__((host, port), _MirrorHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall; the name is not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8765 (no trailing slash)."""
        return f"http://{self.server_name}:{self.server_port}"

    def url_for(self, real_url: str) -> str:
        """The mirror URL serving a real URL."""
        return mirror_url(self.url, real_url)

    @staticmethod
    def _split(target: str) -> tuple[str, str]:
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            return f"/{parts.netloc}{parts.path or '/'}", parts.query
        # Not urlsplit: it would read a target starting with // as a network location.
        raw_path, _, query = target.split("#", 1)[0].partition("?")
        return raw_path, query

    def redirect_for(self, target: str) -> str | None:
        """The Location a moved page answers with, if the mirror lists it under redirects."""
        raw_path, _ = self._split(target)
        return self.redirects.get(unquote(raw_path).lstrip("/"))

    def resolve(self, target: str) -> tuple[HTTPStatus, Path | None]:
        """Map a request target to a file under root, or to the error status to answer with."""
        raw_path, query = self._split(target)
        path = unquote(raw_path)
        if path.lstrip("/") in self.gone:
            return HTTPStatus.GONE, None
        segments = path.split("/")
        if ".." in segments or "\\" in path or "\x00" in path:
            return HTTPStatus.FORBIDDEN, None
        rel = [s for s in segments if s not in ("", ".")]
        if not rel:
            return HTTPStatus.NOT_FOUND, None
        candidate = self.root.joinpath(*rel)
        if query:
            # An API call: its answer is stored per query (see query_file); without one, the plain path.
            answers = sorted(candidate.parent.glob(f"{candidate.name}@{query_key(query)}.*"))
            if answers:
                candidate = answers[0]
        if path.endswith("/") or candidate.is_dir():
            candidate = candidate / "index.html"
        resolved = candidate.resolve()
        # A symlink inside the mirror must not lead out of it either.
        if not resolved.is_relative_to(self.root):
            return HTTPStatus.FORBIDDEN, None
        if not resolved.is_file():
            return HTTPStatus.NOT_FOUND, None
        return HTTPStatus.OK, resolved

    def __enter__(self) -> MirrorServer:
        self._thread = threading.Thread(target=self.serve_forever, name=f"mirror-{self.server_port}", daemon=True)
        self._thread.start()
        logger.debug("mirror of %s serving at %s", self.root, self.url)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


def serve_forever(root: Path | str, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve root in the foreground until interrupted (what `newsmon mirror serve DIR` runs)."""
    server = MirrorServer(root, port=port, host=host)
    logger.info("serving mirror %s at %s (Ctrl+C to stop)", server.root, server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("mirror stopped")
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m mirror.serve [DIR] [--port N]`: the same as `newsmon mirror serve`."""
    parser = argparse.ArgumentParser(prog="python -m mirror.serve", description=__doc__)
    parser.add_argument("root", nargs="?", type=Path, default=Path(__file__).resolve().parent / "site")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    serve_forever(args.root, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
