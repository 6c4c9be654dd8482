"""Rebuild NotoSansSC-newsmon-subset.otf: Noto Sans CJK SC cut to GB2312 + ASCII + the curated terms.

    python data/fonts/subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc  # Debian fonts-noto-cjk

Charts (newsmon trend --chart) need a Chinese font on machines that have none installed; the full font is
16 MB, this subset about 2 MB. Licence: SIL Open Font License 1.1 (OFL.txt beside this file).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
OUT = HERE / "NotoSansSC-newsmon-subset.otf"


def characters() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    terms = (HERE.parent / "terms").glob("*.txt")
    chars.update(ch for path in terms for ch in path.read_text(encoding="utf-8"))
    return "".join(sorted(c for c in chars if c.isprintable()))


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if "SC" in f["name"].getDebugName(1))
    options = subset.Options()
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    font.save(str(OUT))
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(sys.argv[1])
