"""A term of ideographs is counted with str.count where the text holds nothing NFKC would turn into an ideograph:
the same answer as db/terms.py's rule (fold the whole text, then count), at a fraction of the cost."""

from __future__ import annotations

import sys
import unicodedata

from db.terms import counter_for
from db.trends import _ideograph, folds_to_ideographs


def test_every_character_nfkc_turns_into_an_ideograph_is_found() -> None:
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
        and not _ideograph(chr(code))
        and any(_ideograph(c) for c in unicodedata.normalize("NFKC", chr(code)))
        and not folds_to_ideographs(chr(code))
    ]
    assert missed == []


def test_plain_text_is_not_sent_the_slow_way() -> None:
    page = "数字政府建设，“一网通办”（试点）：５Ｇ、①２０２４年 Ａｂｃ。\u3000政务服务！"
    assert not folds_to_ideographs(page)
    for char in "⼀\uf900㈠㊀〸\U0002f800\U0001f210":
        assert folds_to_ideographs(page + char)


def test_the_count_agrees_with_folding_the_text_first() -> None:
    term = "政府"
    tally = counter_for({"term": [term]})
    texts = [
        "数字政府，政府服务。政府",
        "政\u0301府 政府 ＿政府＿",  # a combining mark between the two: neither counts it
        "（政府）﹝政府﹞［政府］",
    ]
    for text in texts:
        assert not folds_to_ideographs(text)
        assert text.count(term) == tally.count(text, "").get("term", 0)
    # Where NFKC would make an ideograph, the two differ: such a text is counted the slow way.
    radical = "⼀政府"  # ⼀ (U+2F00) is NFKC 一
    assert folds_to_ideographs(radical)
    assert counter_for({"term": ["一政府"]}).count(radical, "").get("term", 0) == 1 != radical.count("一政府")
