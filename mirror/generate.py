"""Generate the demo mirror (pages of the six sites in their own templates) from the texts in mirror/content/."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from mirror import cac, egov, govcn, miit, people, xinhua
from mirror.articles import Article, load_articles
from mirror.common import SiteFiles
from mirror.serve import RESPONSES_FILE

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).resolve().parent / "site"


def relpath_for(url: str) -> str:
    """Where a real URL lives in a mirror: <host>/<path>, with index.html for a trailing slash."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/"):
        path += "index.html"
    return f"{parts.netloc}{path}"


def encode_page(text: str, where: str) -> bytes:
    """GBK bytes, as the real site serves under its GB2312 declaration; refuse what GBK cannot hold."""
    try:
        return text.encode("gbk")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ValueError(f"{where}: {bad!r} (U+{ord(bad[0]):04X}) cannot be encoded in GBK") from exc


def render_site(articles: Sequence[Article]) -> dict[str, str]:
    """Every file of the mirror as text, keyed by its path relative to the mirror root."""
    files: dict[str, str] = {}
    for article in articles:
        others = [a for a in articles if a is not article]
        for page_no, url in enumerate(article.page_urls, 1):
            files[relpath_for(url)] = people.render_article_page(article, page_no, others)

    size = people.LIST_PAGE_SIZE
    chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
    for page_no, chunk in enumerate(chunks, 1):
        url = f"http://{people.LIST_HOST}{people.LIST_DIR}{people.list_page_name(page_no)}"
        files[relpath_for(url)] = people.render_list_page(chunk, page_no, len(chunks))

    # The cpc column carries the cpc.people.com.cn items and repeats the newest politics ones, as the
    # real columns overlap: the spider must fetch each article once.
    cpc_items = [a for a in articles if a.host == "cpc.people.com.cn"] + [
        a for a in articles if a.host == people.LIST_HOST
    ][:2]
    files[relpath_for(people.CPC_LIST_URL)] = people.render_cpc_list_page(cpc_items)

    for host in sorted({people.LIST_HOST, "cpc.people.com.cn", *(a.host for a in articles)}):
        files[f"{host}/robots.txt"] = people.render_robots()
    return files


# One module a site; each renders its pages, feeds and robots.txt as bytes (people.com.cn: render_site below).
SITE_MODULES = (xinhua, govcn, miit, cac, egov)


def render_all() -> dict[str, bytes]:
    """Every file of the mirror as bytes, keyed by its path relative to the mirror root."""
    files = {rel: encode_page(text, rel) for rel, text in render_site(load_articles()).items()}
    special = SiteFiles()
    for module in SITE_MODULES:
        rendered: SiteFiles = module.render()
        clash = set(rendered.files) & set(files)
        if clash:
            raise ValueError(f"{module.__name__} writes files another site writes: {sorted(clash)}")
        files.update(rendered.files)
        special.redirects.update(rendered.redirects)
        special.gone.extend(rendered.gone)
    responses = {"redirects": dict(sorted(special.redirects.items())), "gone": sorted(special.gone)}
    files[RESPONSES_FILE] = (json.dumps(responses, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files


def build(out_dir: Path) -> list[Path]:
    """Write the whole demo mirror under out_dir and return the files written, sorted.

    The output depends only on mirror/content/, so the same bytes come out on every run. Files already in
    out_dir that the mirror no longer has are left alone: delete the directory first after removing an
    article (tests/test_mirror.py notices strays in mirror/site/).
    """
    written: list[Path] = []
    for rel, data in sorted(render_all().items()):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    logger.info("wrote %d files to %s", len(written), out_dir)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m mirror.generate [OUT]`: regenerate the mirror (default: the committed mirror/site)."""
    parser = argparse.ArgumentParser(prog="python -m mirror.generate", description=__doc__)
    parser.add_argument("out", nargs="?", type=Path, default=SITE_DIR, help="output directory")
    args = parser.parse_args(argv)
    written = build(args.out)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
