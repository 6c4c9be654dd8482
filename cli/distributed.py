"""`newsmon worker`: one worker of a crawl shared over Redis (scrapy-redis), storing into the shared database."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from cli.crawl import NOT_DONE, print_run
from cli.database import reading, writing
from cli.options import DbOption
from cli.output import console, fail, fail_on, print_json

RedisOption = Annotated[
    str | None,
    typer.Option("--redis", help="Redis URL (the distributed.redis_url setting: redis://127.0.0.1:6379/0)."),
]


def worker(
    site: Annotated[str, typer.Argument(help="Spider name or site domain whose shared queue to work on.")],
    db: DbOption = None,
    redis: RedisOption = None,
    prefix: Annotated[
        str | None,
        typer.Option(help="Namespace of the Redis keys (distributed.prefix: newsmon)."),
    ] = None,
    max_idle: Annotated[
        int | None,
        typer.Option(help="Exit after this many seconds with no work (distributed.max_idle: 30)."),
    ] = None,
    lease_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds without a heartbeat before a worker's requests are queued again (distributed.lease_timeout).",
        ),
    ] = None,
    mirror: Annotated[
        str | None, typer.Option(help="Fetch every URL from a running mirror server (crawl.mirror).")
    ] = None,
    full: Annotated[bool, typer.Option(help="Do not stop at already-stored URLs (as the seeder).")] = False,
    max_list_pages: Annotated[int | None, typer.Option(help="How deep to follow each column (as the seeder).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the worker's run as JSON.")] = False,
) -> None:
    """Work on SITE's shared crawl queue until it has been empty for --max-idle seconds.

    Start any number of workers, on any machines, against the same Redis and database; `newsmon crawl SITE
    --distributed` seeds the crawl. Each worker records its own crawl run (trigger `worker`).
    """
    from crawler.distributed import options_from_env
    from crawler.run import CrawlOptions, CrawlStopped, resolve_spider, run_crawl, spider_names
    from db.runs import get_run

    spider = resolve_spider(site)
    if spider is None:
        fail(f"no spider for {site!r}; known: {', '.join(sorted(spider_names()))}", code=2)
        return
    with writing(db):
        pass  # migrate before Scrapy starts, so a bad URL fails here with a clear message
    distributed = options_from_env(
        "worker", redis_url=redis, prefix=prefix, max_idle=max_idle, lease_timeout=lease_timeout
    )
    with console.status(f"working on the shared queue of {site}…", spinner="dots"), fail_on(CrawlStopped):
        run_id = run_crawl(
            spider,
            CrawlOptions(
                db_url=db,
                mirror=mirror,
                full=full,
                max_list_pages=max_list_pages,
                trigger="worker",
                log_level=logging.getLevelName(logging.getLogger().level),
                distributed=distributed,
            ),
        )
    if run_id is None:
        fail("the worker did not start (see the log above)")
        return
    with reading(db) as database, database.session() as session:
        run = get_run(session, run_id)
    assert run is not None
    if json_out:
        print_json(run)
    else:
        print_run(run)
    if run["status"] in NOT_DONE:
        raise typer.Exit(1)
