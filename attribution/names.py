"""Person names: a jieba tokenizer of our own with a domain dictionary, plus surname and boundary checks."""

from __future__ import annotations

import logging
import re
import threading
from functools import cache

import jieba
import jieba.posseg

from attribution.roles import NON_OFFICIAL, POSTS
from extraction.text import looks_like_a_name
from ground.bodies import default_registry

# What may follow a name: a speech or activity verb, a preposition, an honorific, punctuation or a date.
_AFTER_NAME = re.compile(
    r"(?:[\s，,。．.！!？?：:；;、（(）)“”\"’‘》《—…·]|[0-9０-９一二三四五六七八九十]+[月日]|$"
    r"|表示|说|指出|强调|介绍|透露|称|认为|坦言|提出|提到|谈到|要求|希望|呼吁|提醒|宣布|回应|答|回答|解释|建议|直言|告诉"
    r"|重申|分析|出席|参加|在|于|向|对|就|同|与|和|代表|主持|会见|会谈|调研|考察|视察|来到|前往|走进|听取|看望|等|同志"
    r"|先生|女士|一行|作|发表|致辞|讲话|率|带队|也|还|则|又|都|进行|为|是|的|今天|昨天|近日|日前|随后|首先|最后|特别|同时"
    r"|以|从|将|已|曾|并|而|却|更|亦|正在|正|发布|分享|通报|解读|宣读|展示|演示)"
)
_NAME_TAGS = {"nr", "nrfg", "nrt"}

log = logging.getLogger(__name__)
_lock = threading.Lock()


@cache
def tokenizer() -> jieba.posseg.POSTokenizer:
    """A jieba tokenizer of attribution's own (other packages load other dictionaries into theirs).

    The domain dictionary makes posts and registered bodies single tokens, so a post never swallows the
    name after it (司长谢少锋) and a body's name is never read as a person (司法厅).
    """
    jieba.setLogLevel(logging.WARNING)
    with _lock:
        base = jieba.Tokenizer()
        for post in POSTS | NON_OFFICIAL:
            base.add_word(post, 20000, "post")
        for word in default_registry().words():
            base.add_word(word, 20000, "nt")
        return jieba.posseg.POSTokenizer(base)


def tokens(text: str) -> list[tuple[str, str]]:
    return [(pair.word, pair.flag) for pair in tokenizer().cut(text)]


def plausible_name(candidate: str) -> bool:
    """A Chinese personal name: a surname and one or two characters, no 某 (an anonymised person), no post."""
    if any(post in candidate for post in ("记者", "主任", "部长", "局长", "书记")):
        return False
    return looks_like_a_name(candidate)


# Last characters of bodies and places, not of personal names: 商务部, 央行, 江西省.
_NOT_A_NAME_END = set("部局委办厅署院会司处网社报台省市县区镇村州")


def standalone_name(candidate: str) -> bool:
    """A name with no post beside it (a headline's `X：…`, a transcript's `X：`): plausible, not a body or a
    place (江西, 商务部), and not one word jieba reads as anything but a name."""
    if not plausible_name(candidate) or candidate[-1] in _NOT_A_NAME_END:
        return False
    if candidate in default_registry().words():
        return False
    pieces = tokens(candidate)
    # one word jieba knows as something else (江西/ns, 时评/n) is not a name; an unknown name may be split (赵/明远)
    return not (len(pieces) == 1 and pieces[0][1] not in _NAME_TAGS)


def _known_name(word: str) -> bool:
    return 2 <= len(word) <= 4 and "某" not in word and bool(re.fullmatch(r"[\u4e00-\u9fff]+", word))


def name_at(text: str, start: int) -> str | None:
    """The personal name that begins at text[start] (after a post, at a paragraph start), or None.

    A name ends where a boundary begins (a verb such as 表示, 出席, a preposition, punctuation, a date): of the
    lengths that end at a boundary, the one jieba agrees with wins, then the longer one.
    """
    window = text[start : start + 12]
    if not window:
        return None
    pieces = tokens(window)
    first_word, first_tag = pieces[0] if pieces else ("", "")
    if first_tag in _NAME_TAGS and _AFTER_NAME.match(window, len(first_word)):
        if first_tag == "nrt" and 2 <= len(first_word) <= 6 and "某" not in first_word:
            return first_word  # a transliterated foreign name: 菲利普
        if plausible_name(first_word) or (first_tag == "nrfg" and _known_name(first_word)):
            return first_word  # nrfg: a name in jieba's own dictionary
    jieba_ends = set()
    position = 0
    for word, _ in pieces:
        position += len(word)
        jieba_ends.add(position)
    valid = [n for n in (4, 3, 2) if plausible_name(window[:n]) and _AFTER_NAME.match(window, n)]
    if not valid:
        return None
    agreed = [n for n in valid if n in jieba_ends]
    return window[: (agreed or valid)[0]]
