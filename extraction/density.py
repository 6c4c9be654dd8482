"""The article body of an unknown template: paragraph scores added up the tree, the best-scoring block wins.

Every block element's own text (text outside nested blocks, so `<br>`-separated lines count as the block's)
is a paragraph. A paragraph scores by its punctuation and length, less its share of link text; its score is
added to the block itself, its parent and, halved, its grandparent, so the element that holds the most
article-like text collects the most. Class and id names that say "content" or "comment" tilt the choice,
link-heavy candidates lose, and sibling blocks of the winner that read like the article (a body split by an
advertisement) are taken with it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

# Elements that end a paragraph: text on either side of them belongs to different blocks.
BLOCKS = frozenset(
    (
        "p",
        "div",
        "td",
        "th",
        "li",
        "dd",
        "dt",
        "section",
        "article",
        "main",
        "blockquote",
        "pre",
        "center",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "tbody",
        "ul",
        "ol",
        "dl",
        "figure",
        "figcaption",
        "header",
        "body",
        "form",
    )
)
# Never part of an article body, with everything inside them.
SKIPPED = frozenset(
    (
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "button",
        "select",
        "textarea",
        "svg",
        "nav",
        "footer",
        "aside",
        "head",
        "title",
        "object",
        "embed",
    )
)
# Sentence punctuation: article prose carries it, menus and link lists do not.
_PUNCT = re.compile(r"[，。！？；：、,.!?;:“”「」]")
_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
# Class and id words of article containers, and of what sits beside them.
_POSITIVE = re.compile(
    r"article|content|text|detail|body|main|post|entry|story|zhengwen|\bzw\b|\bcon\b|txt|正文|read|chapter",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"comment|foot|sidebar|\bside|\bnav|menu|recommend|relat|\bhot|rank|share|copyright|banner|breadcrumb|"
    r"\btags?\b|login|reply|pinglun|\bads?\b|advert|promo|sponsor|widget|\blist|popular|subscribe|toolbar|"
    r"\bright\b|\bleft\b|crumb|qrcode|ewm",
    re.IGNORECASE,
)
# Body containers of the content-management systems Chinese government and news sites are built on: TRS WCM
# (div.TRS_Editor), Hanweb and TRS (#zoom), UCAP (gov.cn #UCAP-CONTENT), and common article ids and classes.
# They weigh in the choice; they do not decide it (a template may reuse the class for a teaser).
CMS_IDS = frozenset(("UCAP-CONTENT", "zoom", "BodyLabel", "con_con", "endText", "article_content"))
CMS_CLASSES = frozenset(("TRS_Editor", "pages_content", "article-content", "article_content", "content_text"))
_CMS_WEIGHT = 1.5
# Site boilerplate that reads like prose (footers, disclaimers): never article text.
_BOILERPLATE = re.compile(
    r"ICP[备证]|版权所有|[Cc]opyright|©|举报电话|客服电话|免责声明|联系我们|广告服务|未经授权|不得转载|违法和不良信息|传真|邮箱"
)
_SENTENCE_MARKS = re.compile(r"[，。！？；]")
_MIN_PARAGRAPH_CHARS = 8
_MIN_BODY_CJK = 30
_LEAD_CHARS = 12
_LEAD_BONUS = 4.0
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class _Block:
    pieces: list[str] = field(default_factory=list)  # the block's own text, whitespace removed
    chars: int = 0
    link_chars: int = 0
    punct: int = 0
    cjk: int = 0
    score: float = 0.0  # collected from its own and its descendants' paragraphs


def describe(element: Any) -> str:
    """A CSS-like name for an element, as rule names report it: div#zoom, div.TRS_Editor, div (siblings)."""
    if element.getparent() is None and element.tag == "div" and not element.attrib:
        return "div (blocks merged)"
    name = str(element.tag)
    if element.get("id"):
        name += "#" + element.get("id")
    classes = (element.get("class") or "").split()
    if classes:
        name += "." + ".".join(classes[:2])
    return name


def cjk_count(element: Any) -> int:
    """CJK characters in the text under an element."""
    return len(_CJK.findall("".join(t for t in element.itertext() if isinstance(t, str))))


def _hidden(element: Any) -> bool:
    style = element.get("style")
    return bool(style and _HIDDEN.search(style)) or element.get("hidden") is not None


def _count(block: _Block, text: str | None, in_link: bool) -> None:
    if not text:
        return
    compact = "".join(text.split())
    if not compact:
        return
    block.pieces.append(compact)
    block.chars += len(compact)
    block.punct += len(_PUNCT.findall(compact))
    block.cjk += len(_CJK.findall(compact))
    if in_link:
        block.link_chars += len(compact)


def _own_text(root: Any) -> dict[Any, _Block]:
    """Each block element's own text measures (text outside nested blocks), in one walk of the tree."""
    blocks: dict[Any, _Block] = {}
    # (element, owning block, inside a link, closing?) — the tail of an element belongs to its parent's block.
    stack: list[tuple[Any, Any, bool, bool]] = [(root, root, False, False)]
    blocks[root] = _Block()
    while stack:
        element, owner, in_link, closing = stack.pop()
        if closing:
            _count(blocks[owner], element.tail, in_link)
            continue
        tag = element.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
            _count(blocks[owner], element.tail, in_link)
            continue
        tag = tag.lower()
        stack.append((element, owner, in_link, True))
        if tag in SKIPPED or _hidden(element):
            continue
        mine = owner
        if tag in BLOCKS:
            mine = element
            blocks.setdefault(element, _Block())
        link = in_link or tag == "a"
        _count(blocks[mine], element.text, link)
        stack.extend((child, mine, link, False) for child in reversed(element))
    return blocks


def _paragraph_score(block: _Block) -> float:
    if block.chars < _MIN_PARAGRAPH_CHARS and not block.punct:
        return 0.0
    # A footer (ICP备…, 版权所有, 举报电话：…客服电话：…) has more such words than commas and full stops; an
    # article about ICP备案 is written in sentences.
    text = "".join(block.pieces)
    boilerplate = len(_BOILERPLATE.findall(text))
    if boilerplate and boilerplate >= len(_SENTENCE_MARKS.findall(text)):
        return 0.0
    link_share = block.link_chars / block.chars if block.chars else 1.0
    if link_share > 0.5:
        return 0.0
    return (1.0 + block.punct + min(block.chars / 40, 6.0)) * (1.0 - link_share)


def _name_weight(element: Any) -> float:
    ident, classes = element.get("id") or "", element.get("class") or ""
    names = f"{ident} {classes}".strip()
    if not names:
        return 1.0
    weight = 1.0
    if ident in CMS_IDS or not CMS_CLASSES.isdisjoint(classes.split()):
        weight *= _CMS_WEIGHT
    if _POSITIVE.search(names):
        weight *= 1.25
    if _NEGATIVE.search(names):
        weight *= 0.5
    return weight


def _subtree_totals(blocks: dict[Any, _Block]) -> dict[Any, tuple[int, int, int]]:
    """(characters, link characters, CJK characters) under each block, its nested blocks included."""
    totals = {element: (b.chars, b.link_chars, b.cjk) for element, b in blocks.items()}
    # Blocks were recorded in document order (parents first): children add into their nearest block ancestor.
    for element in reversed(list(blocks)):
        ancestor = element.getparent()
        while ancestor is not None and ancestor not in totals:
            ancestor = ancestor.getparent()
        if ancestor is not None:
            chars, links, cjk = totals[element]
            a_chars, a_links, a_cjk = totals[ancestor]
            totals[ancestor] = (a_chars + chars, a_links + links, a_cjk + cjk)
    return totals


def _density(totals: dict[Any, tuple[int, int, int]], element: Any) -> tuple[float, int]:
    """(share of link text, CJK characters) under an element."""
    found = totals.get(element)
    if found is None:
        # An inline element holding blocks (<span id="detailContent"><p>…): add up the blocks inside it.
        inside = [totals[node] for node in element.iter() if node in totals and node.getparent() not in totals]
        found = (sum(t[0] for t in inside), sum(t[1] for t in inside), sum(t[2] for t in inside))
        totals[element] = found
    chars, links, cjk = found
    return (links / chars if chars else 1.0), cjk


def _scored(root: Any) -> tuple[dict[Any, _Block], list[tuple[float, Any]], dict[Any, tuple[int, int, int]]]:
    blocks = _own_text(root)
    totals = _subtree_totals(blocks)
    for element, block in list(blocks.items()):
        score = _paragraph_score(block)
        if not score:
            continue
        block.score += score
        parent = element.getparent()
        if parent is not None:
            blocks.setdefault(parent, _Block()).score += score
            grandparent = parent.getparent()
            if grandparent is not None:
                blocks.setdefault(grandparent, _Block()).score += score / 2
    ranked = sorted(
        ((block.score * _name_weight(element), element) for element, block in blocks.items() if block.score),
        key=lambda item: item[0],
        reverse=True,
    )
    return blocks, ranked, totals


def _lead_block(blocks: dict[Any, _Block], lead: str | None) -> Any:
    """The first block whose own text starts the way the page's description does (most CMSs fill the
    description with the article's first sentence): it anchors the body when teasers around it score higher."""
    if not lead:
        return None
    key = "".join(unicodedata.normalize("NFKC", lead).split()).lstrip("【[（(“\"'")[:_LEAD_CHARS]
    if len(key) < _LEAD_CHARS or len(_CJK.findall(key)) < _LEAD_CHARS // 2:
        return None
    for element, block in blocks.items():
        if key in unicodedata.normalize("NFKC", "".join(block.pieces)) and _paragraph_score(block):
            return element
    return None


def best_body_element(root: Any, *, lead: str | None = None) -> Any:
    """The element that holds the article text of a page of unknown template, or None when nothing reads like
    an article. `lead` is the page's description, when it has one. A body split over sibling blocks comes back
    as a new <div> holding copies of them."""
    if root is None or not hasattr(root, "iter"):
        return None
    blocks, ranked, totals = _scored(root)
    candidates = [element for _, element in ranked[:10]]
    anchor = _lead_block(blocks, lead)
    anchored: set[Any] = set()
    if anchor is not None:
        anchored = {anchor, *list(anchor.iterancestors())[:4]}
        candidates += [element for element in anchored if element in blocks and element not in candidates]
    best, best_score = None, 0.0
    for element in candidates:
        density, cjk = _density(totals, element)
        if cjk < _MIN_BODY_CJK or density > 0.5:
            continue
        adjusted = blocks[element].score * _name_weight(element) * (1.0 - density)
        if element in anchored:
            adjusted *= _LEAD_BONUS
        if adjusted > best_score:
            best, best_score = element, adjusted
    if best is None:
        return None
    return _with_siblings(best, best_score, blocks, totals)


def _with_siblings(
    best: Any, best_score: float, blocks: dict[Any, _Block], totals: dict[Any, tuple[int, int, int]]
) -> Any:
    parent = best.getparent()
    if parent is None:
        return best
    threshold = max(10.0, best_score * 0.2)
    chosen = []
    for sibling in parent:
        if sibling is best:
            chosen.append(sibling)
            continue
        if not isinstance(sibling.tag, str) or sibling.tag.lower() in SKIPPED or _hidden(sibling):
            continue
        block = blocks.get(sibling)
        if block is None or not block.score:
            continue
        density, cjk = _density(totals, sibling)
        if density > 0.25 or cjk < 10:
            continue
        if block.score * _name_weight(sibling) * (1.0 - density) >= threshold:
            chosen.append(sibling)
    if len(chosen) == 1:
        return best
    wrapper = etree.Element("div")
    for element in chosen:
        wrapper.append(_copy(element))
    return wrapper


def _copy(element: Any) -> Any:
    from copy import deepcopy

    copied = deepcopy(element)
    copied.tail = None
    return copied


# A JS string literal (single or double quoted) long enough to hold an article.
# Possessive, so a line full of escaped quotes is scanned once, not once per quote; length is checked in code.
_JS_STRING = re.compile(r"""(?<!\\)(['"])((?:\\.|(?!\1)[^\\\n])*+)\1""")
_MIN_SCRIPT_BODY = 200
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "", "f": "", "v": "", "0": ""}


def unescape_js(text: str) -> str:
    """The value of a JS (or JSON) string literal's body: \\uXXXX, \\xXX and one-letter escapes resolved."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "ux" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except ValueError:
                return code
        return _SIMPLE_ESCAPES.get(code, code)

    return _JS_ESCAPE.sub(one, text)


def body_in_scripts(scripts: list[str]) -> Any:
    """The best article element inside HTML that a page keeps in a script string (templates that render the
    body in the browser: `var content = '<p>…'`, `"content":"<p>…"`), or None."""
    best, best_cjk = None, 0
    for script in scripts:
        for match in _JS_STRING.finditer(script):
            raw = match.group(2)
            if len(raw) < _MIN_SCRIPT_BODY or ("<p" not in raw and "\\u003cp" not in raw.lower() and "<br" not in raw):
                continue
            markup = unescape_js(raw)
            if len(_CJK.findall(markup)) < _MIN_BODY_CJK * 3:
                continue
            fragment = etree.fromstring(
                f"<html><body><div>{markup}</div></body></html>".encode(),
                etree.HTMLParser(recover=True, encoding="utf-8"),
            )
            if fragment is None:
                continue
            element = best_body_element(fragment)
            if element is None:
                continue
            cjk = cjk_count(element)
            if cjk > best_cjk:
                best, best_cjk = element, cjk
    return best


# An array of JS/JSON string literals; escapes may be doubled when the JSON is itself inside a JS string.
_STRING_ARRAY = re.compile(r"""\[\s*((\\*)"(?:[^"\\]|\\.)*?\2"(?:\s*,\s*\2"(?:[^"\\]|\\.)*?\2")+)\s*\]""")
_ARRAY_ITEM = re.compile(r"""(\\*)"((?:[^"\\]|\\.)*?)\1\"""")
_MIN_CAPTIONS = 3
_MIN_CAPTION_CJK = 10


def captions_in_scripts(scripts: list[str], shown: str) -> Any:
    """A photo gallery's text: the DOM shows one caption and the page's script keeps all of them in an array
    (`"sub_abstracts": ["…", "…"]`). The array whose first caption is the one shown, as one paragraph per
    caption, or None."""
    anchor = "".join(_CJK.findall(shown))
    if len(anchor) < _MIN_CAPTION_CJK:
        return None
    for script in scripts:
        for match in _STRING_ARRAY.finditer(script):
            items = _ARRAY_ITEM.finditer(match.group(1))
            captions = [unescape_js(unescape_js(item.group(2))).strip() for item in items]
            if len(captions) < _MIN_CAPTIONS or any(len(_CJK.findall(c)) < _MIN_CAPTION_CJK for c in captions):
                continue
            first = "".join(_CJK.findall(captions[0]))[: _MIN_CAPTION_CJK * 2]
            if first not in anchor:
                continue
            wrapper = etree.Element("div")
            for caption in captions:
                paragraph = etree.SubElement(wrapper, "p")
                paragraph.text = caption
            return wrapper
    return None
