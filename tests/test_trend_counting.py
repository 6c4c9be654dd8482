"""A term of ideographs is counted with str.count where the text holds no character NFKC would turn into one of
the term's: the same answer as db/terms.py's rule (fold the whole text, then count), at a fraction of the cost."""

from __future__ import annotations

import sys
import unicodedata

from db.terms import counter_for
from db.trends import _ideograph, fold_sources


def test_every_character_nfkc_turns_into_an_ideograph_is_a_source_of_it() -> None:
    missed = [
        f"U+{code:04X} → {char}"
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF and not _ideograph(chr(code))
        for char in unicodedata.normalize("NFKC", chr(code))
        if _ideograph(char) and chr(code) not in fold_sources([char])
    ]
    assert missed == []


def test_sources_are_those_of_the_terms_characters() -> None:
    assert fold_sources(["政务"]) == ""  # nothing folds to 政 or 务: every text is counted with str.count
    for char in "⼀㈠㊀\U0001f229":
        assert char in fold_sources(["一网通办"])
    assert "〸" in fold_sources(["十四五"]) and "〸" not in fold_sources(["一网通办"])


def test_the_count_agrees_with_folding_the_text_first() -> None:
    term = "政府"
    tally = counter_for({"term": [term]})
    texts = [
        "数字政府，政府服务。政府",
        "政\u0301府 政府 ＿政府＿",  # a combining mark between the two: neither counts it
        "（政府）﹝政府﹞［政府］",
        "⼀政府 ㈠ 〸 ５Ｇ、①２０２４年 Ａｂｃ。\u3000",  # characters that fold, none to 政 or 府
    ]
    for text in texts:
        assert not any(source in text for source in fold_sources([term]))
        assert text.count(term) == tally.count(text, "").get("term", 0)
    # Where NFKC would make a character of the term, the two differ: such a text is counted the slow way.
    radical = "⼀政府"  # ⼀ (U+2F00) is NFKC 一
    assert "⼀" in fold_sources(["一政府"])
    assert counter_for({"term": ["一政府"]}).count(radical, "").get("term", 0) == 1 != radical.count("一政府")
