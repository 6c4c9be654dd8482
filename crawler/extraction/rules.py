"""Field rules: small named functions over a Page, tried in order; generic rules any site falls back to."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from crawler.extraction.dates import ParsedDate, find_date, parse_date
from crawler.extraction.page import Page
from crawler.extraction.text import clean_line, has_cjk, split_names

RuleFn = Callable[[Page], Any]


@dataclass(frozen=True)
class Rule:
    """A named way to get one field; returns None (or empty) when it does not apply to the page."""

    name: str
    fn: RuleFn

    def __call__(self, page: Page) -> Any:
        return self.fn(page)


@dataclass(frozen=True)
class SiteRules:
    """Everything site-specific about reading a site's article pages: data plus small functions."""

    site: str  # registrable domain, e.g. people.com.cn
    name: str  # the publisher's Chinese name, e.g. 人民网
    title: Sequence[Rule] = ()
    published_at: Sequence[Rule] = ()
    source: Sequence[Rule] = ()
    authors: Sequence[Rule] = ()
    editors: Sequence[Rule] = ()
    body_html: Sequence[Rule] = ()  # the body's HTML where it is not in the DOM (a JS string), tried first
    body_containers: Sequence[str] = ()  # CSS selectors of the body container, tried in order
    body_drop: Sequence[str] = ()  # CSS selectors of furniture inside the container
    next_pages: Callable[[Page], list[str]] | None = None
    title_suffixes: Sequence[str] = field(default_factory=tuple)


# ---- value shaping -----------------------------------------------------------------------------------------

_SOURCE_PREFIX = re.compile(r"^\s*(?:信息来源|文章来源|稿件来源|来源)\s*[:：]\s*")
_SOURCE_TAIL = re.compile(r"\s*(?:[|｜].*|\s(?:作者|编辑|责任编辑|发布时间|时间|浏览|字号|【).*)$")
_REPORTER_PREFIX = re.compile(
    r"^(?:本报|本网|人民网|新华社|新华网|央视网|中新网)?\s*(?:特约|实习|见习)?(?:记者|通讯员|作者|评论员)\s*[:：]?\s*"
)


def shape_source(text: str | None) -> str | None:
    """ "来源：人民网－人民日报 | 作者…" → "人民网－人民日报"."""
    if not text:
        return None
    value = _SOURCE_TAIL.sub("", _SOURCE_PREFIX.sub("", clean_line(text))).strip()
    return value or None


def source_after_label(text: str | None) -> str | None:
    """ "2024年05月10日06:58 | 来源：人民网－人民日报" → "人民网－人民日报"; None when no 来源 label is there."""
    match = re.search(r"(?:信息来源|文章来源|稿件来源|来源)\s*[:：]\s*(.+)$", text or "")
    return shape_source(match.group(1)) if match else None


def shape_people(text: str | None) -> list[str]:
    """ "本报记者  王乐文  方  敏" → ["王乐文", "方敏"]; roles and 本报 prefixes dropped."""
    if not text:
        return []
    names: list[str] = []
    for chunk in re.split(r"[；;]", text):
        chunk = _REPORTER_PREFIX.sub("", chunk.strip(" ()（）【】[]"))
        chunk = re.sub(r"(?:\s*(?:报道|摄影?|整理|综合报道))+$", "", chunk)
        names.extend(n for n in split_names(chunk) if has_cjk(n) and 2 <= len(n) <= 4)
    return names


def shape_editors(text: str) -> list[str]:
    """ "(责编：胡永秋、杨光宇)", "【责任编辑:王頔】", "编辑： 尹世杰" → the names."""
    match = re.search(r"(?:责任编辑|责编|编辑)\s*[:：]\s*([^）)】\]]+)", text)
    return split_names(match.group(1)) if match else []


def numbered_pages(first: str, later: str, links: str) -> Callable[[Page], list[str]]:
    """Pages 2…N of a multi-page article: `first` matches a first page's URL and captures its id (a later
    page's URL does not match it); `later` is a regex template with `{id}` whose group 1 is the page number;
    `links` selects the pager's hrefs."""
    first_page = re.compile(first)

    def find(page: Page) -> list[str]:
        own = first_page.search(page.url)
        if not own:
            return []
        # The pattern holds the page's own id, so it is compiled per page (past re's cache): only when a pager
        # link names that id at all, which most pages' links do not.
        hrefs = [href for href in page.sel.css(links).getall() if own.group(1) in href]
        if not hrefs:
            return []
        pattern = re.compile(later.format(id=re.escape(own.group(1))))
        found: dict[int, str] = {}
        for href in hrefs:
            match = pattern.search(href)
            if match and int(match.group(1)) > 1:
                found[int(match.group(1))] = urljoin(page.url, href)
        return [found[n] for n in sorted(found)]

    return find


# ---- rule constructors -------------------------------------------------------------------------------------


def meta_text(*names: str, shape: Callable[[str], Any] = clean_line) -> Rule:
    return Rule("meta:" + "|".join(names), lambda page: _maybe(shape, page.meta(*names)))


def meta_date(*names: str) -> Rule:
    return Rule("meta:" + "|".join(names), lambda page: _date(page.meta(*names)))


def css_text(*selectors: str, shape: Callable[[str], Any] = clean_line) -> Rule:
    return Rule("css:" + ", ".join(selectors), lambda page: _maybe(shape, page.first_text(*selectors)))


def css_date(*selectors: str) -> Rule:
    return Rule("css:" + ", ".join(selectors), lambda page: _found_date(page.first_text(*selectors)))


def text_pattern(name: str, pattern: str, shape: Callable[[str], Any] = clean_line) -> Rule:
    """A regex over the page's visible text; group 1 is the value."""
    compiled = re.compile(pattern)

    def run(page: Page) -> Any:
        match = compiled.search(visible_text(page))
        return _maybe(shape, match.group(1)) if match else None

    return Rule("text:" + name, run)


def _maybe(shape: Callable[[str], Any], value: str | None) -> Any:
    return shape(value) if value else None


def _date(value: str | None) -> ParsedDate | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return _found_date(value)


def _found_date(value: str | None) -> ParsedDate | None:
    return find_date(value) if value else None


_INVISIBLE = frozenset(("script", "style", "noscript", "template"))


def visible_text(page: Page) -> str:
    """The page's text outside scripts and styles, one line per text node (cached on the page).

    Read with lxml directly (every text node once, its parent checked in Python): wrapping thousands of text
    nodes in parsel selectors, or an ancestor:: test per node, was most of the cost of extraction.
    """
    cached = page.__dict__.get("_visible_text")
    if cached is None:
        lines = []
        root = page.sel.root
        body = root.find("body") if hasattr(root, "find") else None
        stack: list[tuple[Any, bool]] = [(body, False)] if body is not None else []
        while stack:
            element, closing = stack.pop()
            if closing:
                text = element.tail if element is not body else None  # the text after an element
            else:
                stack.append((element, True))
                visible = isinstance(element.tag, str) and element.tag not in _INVISIBLE
                text = element.text if visible else None  # a comment's or a script's own text is not shown
                if visible:
                    stack.extend((child, False) for child in reversed(element))
            if text:
                # str.split() with no argument splits on every Unicode space, U+3000 and NBSP included.
                line = " ".join(text.split())
                if line:
                    lines.append(line)
        cached = "\n".join(lines)
        page.__dict__["_visible_text"] = cached
    return str(cached)


# ---- generic rules (any site; used after a site's own) ------------------------------------------------------


# "-新华网", "_中国载人航天官方网站", " - 山西省人民政府门户网站", "-中国科普网": a publisher's name closing a <title>.
_SITE_SUFFIX = re.compile(r"\s*[-_|｜—]\s*[^-_|｜—]{1,20}(?:网|网站|报|台|频道|中心|门户|官网)(?:\([^)]*\))?\s*$")


def strip_site_suffix(title: str) -> str:
    """ "headline-新华网" → "headline"; a hyphen inside the headline itself is kept."""
    while True:
        stripped = _SITE_SUFFIX.sub("", title)
        if stripped == title or len(stripped) < 4:
            return title
        title = stripped


def _title_from_html_title(page: Page) -> str | None:
    title = page.html_title
    if not title:
        return None
    # "headline--时政--人民网", "headline_新华网", "headline-中国政府网": keep the part before the first site suffix.
    head = re.split(r"\s*(?:--|__|_|—|\s-\s|｜|\|)\s*", title)[0].strip()
    head = strip_site_suffix(head)
    return head or None


def _h1(page: Page) -> str | None:
    text = page.first_text("h1")
    return text if text and len(text) >= 4 else None


GENERIC_TITLE = (
    # TRS/Hanweb government CMS metas, then Open Graph.
    meta_text("ArticleTitle"),
    meta_text("og:title", shape=lambda s: strip_site_suffix(clean_line(s))),
    Rule("css:h1", _h1),
    Rule("html-title", _title_from_html_title),
)

GENERIC_PUBLISHED_AT = (
    meta_date("PubDate", "article:published_time", "firstpublishedtime", "publishdate", "pubdate"),
    text_pattern(
        "发布时间",
        r"(?:发布时间|发布日期|时间|日期)\s*[:：]\s*(\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)",
        shape=lambda s: find_date(s),
    ),
    Rule("text:first-date", lambda page: find_date(visible_text(page)[:3000])),
)

GENERIC_SOURCE = (
    meta_text("ContentSource", shape=shape_source),
    text_pattern("来源", r"(?:信息来源|文章来源|来源)\s*[:：]\s*([^\n]{2,40})", shape=shape_source),
    meta_text("source", shape=shape_source),
)

# "（记者 燕帅 宋心蕊）" in a dateline; "（评论员 罗博 萧海川）" as a sign-off.
AUTHOR_IN_TEXT = re.compile(r"[（(]\s*((?:[^（）()\n]{0,6}?)(?:记者|评论员|通讯员)[^（）()\n]{2,40})[）)]")
# "（责编：胡永秋、杨光宇）", "【责任编辑:王頔】", "责任编辑：尹世杰".
EDITOR_IN_TEXT = re.compile(r"(?:责任编辑|责编)\s*[:：]\s*([^）)\]】\n]{2,40})")

GENERIC_AUTHORS = (text_pattern("作者：", r"(?:^|\n|\s)作者\s*[:：]\s*([^\n]{2,30})", shape=shape_people),)


def authors_in_body(paragraphs: Sequence[str]) -> list[str]:
    """Reporters named in the dateline of the body's first paragraphs or in a sign-off in its last one.

    Only the article's own body is searched: related-article teasers on the page quote other datelines.
    """
    for text in (*paragraphs[:2], *paragraphs[-1:]):
        match = AUTHOR_IN_TEXT.search(text)
        if match:
            return shape_people(match.group(1))
    return []


_CREDIT_AUTHOR = re.compile(r"^(?:记者|作者|撰稿|文字|文)\s*[:：/]\s*(.+)$")


def authors_in_credits(credits: Sequence[str]) -> list[str]:
    """Writers in the credits closing a video or graphic story: "记者：何山 张梦洁" (not 策划, 监制, 配音…)."""
    names: list[str] = []
    for line in credits:
        match = _CREDIT_AUTHOR.match(line)
        if match:
            names.extend(n for n in shape_people(match.group(1)) if n not in names)
    return names


GENERIC_EDITORS = (Rule("text:责任编辑", lambda page: _search_shape(EDITOR_IN_TEXT, page, split_names)),)


def _search_shape(pattern: re.Pattern[str], page: Page, shape: Callable[[str], Any]) -> Any:
    match = pattern.search(visible_text(page))
    return shape(match.group(1)) if match else None


# Body containers of the content-management systems Chinese government and news sites are built on: TRS WCM
# (div.TRS_Editor), Hanweb and TRS (#zoom), UCAP (gov.cn #UCAP-CONTENT), and common article ids.
CMS_BODY_CONTAINERS = (
    "div.TRS_Editor",
    "#UCAP-CONTENT",
    "div.pages_content",
    "#zoom",
    "#BodyLabel",
    "#con_con",
    "#endText",
    "div.article-content",
    "div.article_content",
    "#article_content",
    "div.content_text",
)
_MIN_BODY_CJK = 30
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


_CMS_IDS = {q[1:]: q for q in CMS_BODY_CONTAINERS if q.startswith("#")}
_CMS_CLASSES = {q.partition(".")[2]: q for q in CMS_BODY_CONTAINERS if not q.startswith("#")}
_CMS_RANK = {q: rank for rank, q in enumerate(CMS_BODY_CONTAINERS)}


def _cms_candidates(root: Any) -> list[tuple[str, Any]]:
    """Every element matching a CMS container query, in one walk of the tree (an XPath of many contains()
    tests took longer than the rest of extraction)."""
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        ident = element.get("id")
        if ident in _CMS_IDS:
            found.append((_CMS_IDS[ident], element))
        classes = element.get("class")
        if classes:
            for name in classes.split():
                query = _CMS_CLASSES.get(name)
                if query and element.tag == query.partition(".")[0]:
                    found.append((query, element))
    return found


def _cjk_count(element: Any) -> int:
    return len(_CJK_RE.findall("".join(element.itertext())))


def cms_body_container(page: Page) -> tuple[str, Any] | None:
    """(selector, lxml element) of the first CMS body container (in CMS_BODY_CONTAINERS order) holding real
    text, or None."""
    root = page.sel.root
    if not hasattr(root, "iter"):
        return None
    for query, element in sorted(_cms_candidates(root), key=lambda found: _CMS_RANK[found[0]]):
        if _cjk_count(element) >= _MIN_BODY_CJK:
            return query, element
    return None


def generic_body_container(page: Page) -> Any:
    """The element whose direct <p> children carry the most CJK text: most article bodies on these sites.

    One pass over the paragraphs: each <p> adds its CJK count to its parent, instead of re-reading the text
    under every element of the page.
    """
    root = page.sel.root
    if not hasattr(root, "iter"):
        return None
    scores: dict[object, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is None or parent.tag not in ("div", "article", "td", "section", "span"):
            continue
        text = "".join(t for t in p.itertext() if t)
        count = len(_CJK_RE.findall(text))
        if count:
            scores[parent] = scores.get(parent, 0) + count
    if not scores:
        return None
    best, score = max(scores.items(), key=lambda item: item[1])
    if score < _MIN_BODY_CJK:
        return None
    return best
