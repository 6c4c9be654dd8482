"""Generate the demo mirror (pages of the six sites in their own templates) from the texts in mirror/content/."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

from ground.sites import crawled_sites
from mirror.common import SiteFiles
from mirror.serve import RESPONSES_FILE

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).resolve().parent / "site"


def render_all() -> dict[str, bytes]:
    """Every file of the mirror as bytes, keyed by its path relative to the mirror root."""
    files: dict[str, bytes] = {}
    special = SiteFiles()
    for site in crawled_sites():  # one generator module a site of the registry: mirror/<key>.py
        module = import_module(f"mirror.{site.key}")
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
