"""Body cleaning with BeautifulSoup4: from an article container's HTML to clean paragraphs in order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from crawler.extraction.text import clean_paragraph

# Never article text, wherever they sit.
_NOISE_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "object",
    "embed",
    "video",
    "audio",
    "svg",
    "canvas",
    "map",
    "template",
)
_BLOCK_TAGS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "center",
    "header",
    "footer",
    "figure",
    "figcaption",
    "tbody",
    "thead",
    "aside",
    "nav",
    "main",
)
# Lines that are page furniture, not text: editor credits, print-edition notes, share prompts, pagers.
_NOISE_LINES = re.compile(
    r"^(?:[（(【\[]\s*)?(?:责任编辑|责编|编辑|校对|审核|值班编辑)\s*[:：]"
    r"|^《\s*人民日报\s*》\s*[（(]\s*\d{4}年"
    r"|^(?:分享到|点击进入|扫一扫|打印本页|关闭窗口|【纠错】|纠错|阅读下一篇|返回顶部|上一篇|下一篇)"
    r"|^(?:【\d+】)+$"
    r"|^(?:上一页|下一页|首页|尾页|\d+)(?:\s*(?:上一页|下一页|首页|尾页|\d+))*$"
    r"|^(?:Play Video|\d+:\d+|/\d+:\d+)$"
)
# Headings that open the related-articles block: everything after them is dropped.
_TAIL_MARKERS = re.compile(
    r"^(?:相关新闻|相关阅读|相关链接|相关报道|相关文章|延伸阅读|推荐阅读|相关专题|更多精彩|重点推荐|热点推荐|往期回顾)"
    r"\s*[:：]?$"
)
# A caption credits the photographer, says it is a file photo, or is marked with the △ of TV sites.
_CAPTION = re.compile(r"(?:摄|供图|图片来源[:：].*|资料图(?:片)?|视频截图)\s*[)）]?$|^△")
# A line that is only a date ("2012年6月24日", the dateline of a transcript) or only the title of a work
# ("《冬夜读书示子聿》", a subheading): centred under a photo, but never its caption.
_NOT_CAPTION = re.compile(r"^(?:\d{4}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[-/.]\d{1,2}[-/.]\d{1,2})|《[^《》]+》)$")
# Production credits closing a video or graphic story: "策划：孙承斌 李拯宇", "记者：何山", "新华社音视频部制作".
_CREDIT = re.compile(
    r"^(?:总?策划|总?监制|制片人?|统筹|编导|导演|记者|通讯员|作者|撰稿|文字|文案|配音|解说|摄像|摄影|拍摄|剪辑|后期|"
    r"包装|设计|海报设计|视觉|动画|主编|出品人|执行|技术|素材|鸣谢|视频|图片)\s*[:：]"
    r"|^\S{2,16}(?:制作|出品|联合出品|联合制作)$"
)


def _is_leaf_block(tag: Tag) -> bool:
    return tag.name in _BLOCK_TAGS and tag.find(_BLOCK_TAGS) is None


def _text_of(tag: Tag) -> str:
    return "".join(s for s in tag.find_all(string=True)).strip(" \t\r\n\u00a0\u3000")


def _link_text(tag: Tag) -> str:
    return "".join(a.get_text() for a in tag.find_all("a")).strip(" \t\r\n\u00a0\u3000")


def _centred(tag: Tag) -> bool:
    style = str(tag.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or str(tag.get("align") or "").lower() == "center"


def _leaf_blocks_after_images(root: Tag) -> list[tuple[Tag, bool]]:
    """Leaf blocks in page order, each with whether an image came after the previous text block: captions sit
    right after their photo, which may be wrapped in blocks of its own."""
    found: list[tuple[Tag, bool]] = []
    image_since_text = False
    for node in root.descendants:
        if not isinstance(node, Tag):
            continue
        if node.name == "img":
            image_since_text = True
        elif node.name in _BLOCK_TAGS and _is_leaf_block(node):
            found.append((node, image_since_text))
            if _text_of(node):
                image_since_text = node.find("img") is not None
    return found


def _drop_furniture(root: Tag) -> None:
    """Remove link-only blocks (related links, promos), photo blocks and their captions."""
    for block, after_image in _leaf_blocks_after_images(root):
        text = _text_of(block)
        if not text:
            continue
        short = len(text) < 100
        if _NOT_CAPTION.match(text):
            continue
        link_only = _link_text(block) == text
        caption = (
            (block.find("img") is not None and short)
            or (short and bool(_CAPTION.search(text)))
            or (after_image and short and _centred_block(block))
        )
        if link_only or caption:
            block.decompose()


def _centred_block(block: Tag) -> bool:
    return _centred(block) or any(_centred(parent) for parent in block.parents if parent.name in ("p", "div"))


def _lines(root: Tag) -> list[tuple[str, bool]]:
    """Text lines in page order, each with whether all of its text sits inside links (related-link lists
    separated by <br> rather than blocks)."""
    for br in root.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for block in root.find_all(_BLOCK_TAGS):
        block.insert_before(NavigableString("\n"))
        block.insert_after(NavigableString("\n"))
    lines: list[tuple[str, bool]] = []
    text, plain = "", False
    for string in root.find_all(string=True):
        in_link = string.find_parent("a") is not None
        pieces = str(string).split("\n")
        for index, piece in enumerate(pieces):
            if index:
                lines.append((text, not plain))
                text, plain = "", False
            text += piece
            if piece.strip(" \t\r\u00a0\u3000") and not in_link:
                plain = True
    lines.append((text, not plain))
    return lines


@dataclass
class CleanBody:
    """A cleaned body: its paragraphs, and the production credits removed from its end (for the bylines)."""

    paragraphs: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)


def clean_body(container_html: str, *, drop: Iterable[str] = ()) -> list[str]:
    """Paragraphs of an article container, in page order (see `clean_body_parts`)."""
    return clean_body_parts(container_html, drop=drop).paragraphs


def clean_body_parts(container_html: str, *, drop: Iterable[str] = ()) -> CleanBody:
    """Paragraphs of an article container, in page order, and the credits that closed it.

    `drop` lists CSS selectors of site furniture inside the container (editor lines, print-edition notes,
    pagers) that the site's rules know about; generic furniture is recognised here. Never raises: any
    string is treated as HTML.
    """
    soup = BeautifulSoup(container_html, "lxml")
    root: Tag = soup.body or soup
    # Comments, CDATA and processing instructions are CMS markers (<!--<$[信息内容]>begin-->), not text.
    for special in root.find_all(string=lambda s: isinstance(s, PreformattedString)):
        special.extract()
    for tag in root.find_all(_NOISE_TAGS):
        tag.decompose()
    for selector in drop:
        for tag in root.select(selector):
            tag.decompose()
    _drop_furniture(root)
    paragraphs: list[str] = []
    for raw, link_only in _lines(root):
        line = clean_paragraph(raw)
        if not line or link_only:
            continue
        if _TAIL_MARKERS.match(line):
            break
        if _NOISE_LINES.match(line):
            continue
        paragraphs.append(line)
    credits: list[str] = []
    while paragraphs and _CREDIT.match(paragraphs[-1]):
        credits.insert(0, paragraphs.pop())
    return CleanBody(paragraphs, credits)
