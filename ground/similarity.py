"""How alike two texts are: character 5-gram shingles, Jaccard and containment, and the paragraphs that differ.

Kept apart from the matcher (analysis/reprints.py, MinHash/LSH) so that showing an article's reprints loads
numpy only.
"""

from __future__ import annotations

import difflib
import re

import numpy as np

from ground.text import nfkc_key

SHINGLE = 5  # characters: Chinese has no spaces, so words are not the unit
_NOT_WORD = re.compile(r"[\W_]+")


def shingles(body: str) -> np.ndarray:
    """The body's character 5-grams (NFKC, without whitespace and punctuation) as sorted unique 32-bit hashes.

    Hashed with numpy in one pass: a polynomial over the code points, then the splitmix64 finaliser, so the
    values are the same in every process (signatures are stored) and a long article costs well under 1 ms.
    """
    key = _NOT_WORD.sub("", nfkc_key(body))
    if not key:
        return np.empty(0, dtype=np.uint64)
    points = np.frombuffer(key.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    width = min(SHINGLE, len(points))
    count = len(points) - width + 1
    h = np.zeros(count, dtype=np.uint64)
    for j in range(width):
        h = h * np.uint64(1_000_003) + points[j : j + count]
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return np.unique(h >> np.uint64(32))


def _common(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.intersect1d(a, b, assume_unique=True).size)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not a.size or not b.size:
        return 0.0
    common = _common(a, b)
    return common / (a.size + b.size - common)


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """How much of the smaller text is in the larger one."""
    if not a.size or not b.size:
        return 0.0
    return _common(a, b) / min(a.size, b.size)


def paragraph_changes(original: str, copy: str) -> dict[str, list[str]]:
    """Paragraphs the copy added and removed relative to the original (an edited paragraph is both)."""
    a = [p for p in original.split("\n") if p.strip()]
    b = [p for p in copy.split("\n") if p.strip()]
    matcher = difflib.SequenceMatcher(a=[nfkc_key(p) for p in a], b=[nfkc_key(p) for p in b], autojunk=False)
    added: list[str] = []
    removed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            removed.extend(a[i1:i2])
        if tag in ("insert", "replace"):
            added.extend(b[j1:j2])
    return {"added": added, "removed": removed}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two bodies' character 5-grams (1.0: the same text)."""
    return round(jaccard(shingles(a), shingles(b)), 4)
