"""Per-site crawl state on disk: the Scrapy job directory that lets a stopped crawl resume, and the site lock."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import make_url

from ground.settings import setting


def state_dir(db_url: str, explicit: str | Path | None = None) -> Path:
    """Where crawl state lives: --state-dir, then the crawl.state_dir setting, then beside the SQLite file.

    For a server database the default is ./newsmon-state/<database>-<hash of its URL>, so two databases
    crawled from one directory never share job directories.
    """
    chosen = explicit or setting("crawl.state_dir")
    if chosen:
        return Path(chosen)
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser()
        return path.with_name(f"{path.stem}-state")
    digest = hashlib.sha256(db_url.encode()).hexdigest()[:8]
    return Path("newsmon-state") / f"{url.database or 'db'}-{digest}"


class CrawlBusy(RuntimeError):
    """Another crawl of the same site is running from the same state directory."""


class SiteJob:
    """The site's job directory, held under an exclusive lock for one crawl.

    The lock is an flock on a file, so the kernel drops it when the holder dies however it dies (even
    SIGKILL): holding it proves that any run of this site still marked `running` is dead.
    """

    def __init__(self, root: Path, spider: str) -> None:
        self.root = root
        self.spider = spider
        self.job_dir = root / "jobs" / spider
        self._lock_path = root / "locks" / f"{spider}.lock"
        self._fd: int | None = None

    def __enter__(self) -> SiteJob:
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise CrawlBusy(f"a crawl of {self.spider} is already running (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def has_saved_state(self) -> bool:
        return self.job_dir.is_dir() and any(self.job_dir.iterdir())

    def clear(self) -> None:
        """Forget the saved queue and seen-requests: the next crawl of the site starts from its columns."""
        shutil.rmtree(self.job_dir, ignore_errors=True)
