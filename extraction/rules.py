"""Field rules: small named functions over a Page, tried in order; generic rules any site falls back to."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from extraction.dates import SHANGHAI, ParsedDate, find_date, parse_date
from extraction.page import Page
from extraction.text import clean_line, has_cjk, looks_like_a_name, nfkc_key, split_names

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

_SOURCE_PREFIX = re.compile(r"^\s*(?:信息来源|文章来源|稿件来源|本文来源|来源|出处)\s*[:：]?\s*")
_SOURCE_TAIL = re.compile(r"\s*(?:[|｜].*|\s(?:作者|编辑|责任编辑|发布时间|时间|浏览|字号|【).*)$")
_REPORTER_PREFIX = re.compile(
    r"^(?:[^\s:：/／]{0,8}?)\s*(?:特约|实习|见习|职工)?(?:记者|通讯员|作者|评论员|编译|执笔)\s*[:：/／]?\s*"
    r"|^(?:文/图|图/文|文图|图文|文)\s*[:：/／]?\s+"
)
# Words that fill a byline slot without naming anyone.
_NOT_NAMES = frozenset(
    ("未知", "佚名", "网络", "匿名", "admin", "本站", "编辑部", "文图", "图文", "全部", "更多", "查看", "专栏", "简介")
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
        chunk = re.sub(r"(?:\s*(?:报道|摄影?|整理|整合|综合报道|编译))+$", "", chunk)
        names.extend(n for n in split_names(chunk) if has_cjk(n) and 2 <= len(n) <= 4 and n not in _NOT_NAMES)
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
    head = _TRAILING_SEPARATORS.sub("", strip_site_suffix(head))
    return head or None


def _h1(page: Page) -> str | None:
    text = page.first_text("h1")
    return text if text and len(text) >= 4 else None


# Where templates put a headline: headings, and elements whose class or id says title.
_HEADLINE_NODES = etree.XPath(
    "//h1|//h2|//h3|//h4|//*[contains(translate(@class,'TITLE','title'),'title')"
    " or contains(translate(@id,'TITLE','title'),'title')]",
    smart_strings=False,
)
# A heading that closes the <title> is the site's name unless it is this long (栏目--headline templates).
_SHORTEST_CLOSING_HEADLINE = 10
_TRAILING_SEPARATORS = re.compile(r"[\s\-_|｜—]+$")


def _headline_in_html_title(page: Page) -> str | None:
    """The longest heading or title-classed element whose text the <title> contains: the headline without
    the site name, column names or keywords a template adds around it in <title>."""
    title = page.html_title
    if not title:
        return None
    key = nfkc_key(title)
    site = nfkc_key(page.meta("og:site_name") or "")
    best: tuple[int, int, str] | None = None  # (opens the <title>?, length, text)
    for node in _HEADLINE_NODES(page.sel.root)[:200]:
        if not isinstance(node.tag, str) or node.tag in ("title", "head", "meta"):
            continue
        text = clean_line(" ".join(t for t in node.itertext() if isinstance(t, str)))
        text = _TRAILING_SEPARATORS.sub("", strip_site_suffix(text))
        if len(text) < 4 or len(text) > 120:
            continue
        candidate = nfkc_key(text)
        # The site's name closing the <title> (停水通知_云溪市人民政府) is the logo's text, not the headline.
        closing = key.endswith(candidate) and not key.startswith(candidate)
        if candidate not in key or candidate == site or (closing and len(candidate) < _SHORTEST_CLOSING_HEADLINE):
            continue
        ranked = (int(key.startswith(candidate)), len(text), text)
        if best is None or ranked[:2] > best[:2]:
            best = ranked
    return best[2] if best else None


GENERIC_TITLE = (
    # TRS/Hanweb government CMS metas, then the heading the <title> repeats, then Open Graph.
    meta_text("ArticleTitle"),
    Rule("heading-in-title", _headline_in_html_title),
    meta_text("og:title", shape=lambda s: strip_site_suffix(clean_line(s))),
    Rule("css:h1", _h1),
    Rule("html-title", _title_from_html_title),
)

# A labelled publication time: 发布时间 and its kin anywhere on the page; a bare 时间/日期 only in the info
# line under the headline (in the body it is an event's time: 活动时间：5月20日).
_DATE_VALUE = r"((?:\d{4}[-年/.])?\d{1,2}[-月/.]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)"
_PUBLISHED_LABEL = re.compile(rf"(?:发布时间|发布日期|发表时间|发稿时间|更新时间)\s*[:：]\s*{_DATE_VALUE}")
_BARE_LABEL = re.compile(rf"(?:时间|日期)\s*[:：]\s*{_DATE_VALUE}")
_HAS_YEAR = re.compile(r"\d{4}\s*[-年/.]")
_ANY_DATE_META = re.compile(r"date|time|pub", re.IGNORECASE)
_META_DATES = (
    "PubDate",
    "article:published_time",
    "firstpublishedtime",
    "publishdate",
    "pubdate",
    "datePublished",
    "dcterms.created",
    "dc.date.issued",
    "dc.date",
)
# How far after the headline the dateline of an article's info line sits, in characters of visible text.
_AFTER_HEADLINE = 400


# A time some templates print one part per inline element ("2019", "09", "/", "07", "19", ":", "02"): the parts
# come out one per line and are read joined.
_SPLIT_TIME = re.compile(r"(?:^|\n)((?:[0-9]{1,4}|[/:\-.年月日])(?:\n(?:[0-9]{1,4}|[/:\-.年月日])){4,})(?=\n|$)")


def _joined_time_parts(info: str) -> str:
    def joined(match: re.Match[str]) -> str:
        text = ""
        for part in match.group(1).split("\n"):
            text += " " + part if text and part.isdigit() and text[-1].isdigit() else part
        return "\n" + text

    return _SPLIT_TIME.sub(joined, info)


def _date_after_headline(page: Page) -> tuple[ParsedDate, str] | None:
    """The first dated line right under the headline, where templates print the publication time, and the
    text it was read from."""
    info = _joined_time_parts(_near_headline(page))
    found = find_date(info, now=page.now) if info else None
    return (found, info[:80]) if found and found.value.year > 1990 else None


def _labelled_date(page: Page, label: re.Pattern[str], text: str) -> tuple[ParsedDate, str] | None:
    match = label.search(text)
    if not match:
        return None
    text = " ".join(match.group(1).split())
    found = find_date(text, now=page.now)
    return (found, text) if found else None


def _meta_dates(page: Page) -> list[ParsedDate]:
    """Every full date in the page's metas, whatever their names (dateUpdate, apub:time, …)."""
    found = []
    for key, value in page.metas.items():
        if _ANY_DATE_META.search(key) and re.search(r"\d{4}", value) and (parsed := _date(value)):
            found.append(parsed)
    return found


# A publication date a page's script states for its own renderer (`"publishDate": "2019-09-07T00:31:40Z"`).
_SCRIPT_DATE = re.compile(
    r"""["']?(?:publishDate|datePublished|pubDate|publish_time|publishTime|pubtime)["']?\s*[:=]\s*["']([^"'\n]{8,40})["']"""
)


def _script_dates(page: Page) -> list[ParsedDate]:
    found = []
    for match in _SCRIPT_DATE.finditer(page.text):
        if (parsed := _date(match.group(1))) is not None:
            found.append(parsed)
    return found


def _with_stated_year(page: Page, parsed: ParsedDate) -> ParsedDate:
    """A date printed without its year ("10-08 12:00") got the current year from the parser; a meta, or a
    script's publish-date key, of the same month and day says which year it was."""
    for stated in (*_meta_dates(page), *_script_dates(page)):
        same_day = (stated.value.month, stated.value.day) == (parsed.value.month, parsed.value.day)
        if same_day and stated.value.year != parsed.value.year:
            return ParsedDate(parsed.value.replace(year=stated.value.year), parsed.precision)
    return parsed


def _published_at_stated(page: Page) -> ParsedDate | None:
    """The publication time: a date meta, a labelled time (发布时间：…) or the line under the headline, in that
    order; a date stated only to the day gives way to the same day with its time from the page's lines. A date
    printed without its year takes the year of a meta of the same day."""
    candidates: list[ParsedDate | None] = [_date(page.meta(*_META_DATES))]
    for found in (
        _labelled_date(page, _PUBLISHED_LABEL, visible_text(page)),
        _date_after_headline(page),
        _labelled_date(page, _BARE_LABEL, _near_headline(page)),
    ):
        if found is None:
            candidates.append(None)
            continue
        parsed, text = found
        candidates.append(parsed if _HAS_YEAR.search(text) else _with_stated_year(page, parsed))
    chosen = next((c for c in candidates if c), None)
    if chosen is None:
        return None
    if chosen.precision == "day":
        for other in candidates:
            if other and other.precision != "day" and other.value.date() == chosen.value.date():
                return other
    return chosen


# WeChat public-account articles (the template most government accounts publish in): the account name in
# #js_name, the publication time as a Unix timestamp in the page script (the page shows only 昨天).
_WECHAT_TIME = re.compile(r"""var\s+ct\s*=\s*["'](\d{10})["']""")


def _wechat_time(page: Page) -> ParsedDate | None:
    if not page.first_node("#js_content"):
        return None
    match = _WECHAT_TIME.search(page.text)
    if not match:
        return None
    return ParsedDate(datetime.fromtimestamp(int(match.group(1)), SHANGHAI), "second")


def date_above(page: Page, paragraph: str) -> ParsedDate | None:
    """The last dated line in the few lines above a paragraph (the body's first): where a template without a
    headline the generic rules recognise prints its time."""
    lines = visible_text(page).split("\n")
    # The paragraph's first line: inline markup may have split the paragraph over several text lines.
    at = next((i for i, line in enumerate(lines) if len(line) >= 4 and paragraph.startswith(line)), None)
    if at is None:
        return None
    for line in reversed(lines[max(0, at - 30) : at]):
        found = find_date(line, now=page.now)
        if found and found.value.year > 1990 and re.search(r"\d{4}", line):
            return found
    return None


# A full date before 1990 where the page shows its publication time (after 发布时间, or the info line under the
# headline): the parser refuses such years, so without this another date on the page (a link's, a footer's)
# would stand in for the misread. A date meta that old is a CMS's empty default (1970-01-01), not a statement.
_EARLY_DATE = re.compile(r"(?<![0-9])(1[89][0-9]{2})\s*[-年/.]\s*([0-9]{1,2})\s*[-月/.]\s*([0-9]{1,2})(?![0-9])")
_INFO_LINE = 60
_FULL_DATE = re.compile(r"[0-9]{4}\s*[-年/.]\s*[0-9]{1,2}\s*[-月/.]\s*[0-9]{1,2}")


def _stated_before_1990(page: Page) -> ParsedDate | None:
    """The publication time a page shows (发布时间：, the info line under the headline) when it is before 1990:
    kept, so that the page is reported as impossible, not stored misdated."""
    label = _PUBLISHED_LABEL.search(visible_text(page))
    # The info line: the first short line under the headline with a full date (a body's sentence is not short).
    lines = [line.strip() for line in _near_headline(page).split("\n") if line.strip()]
    info = next((line for line in lines[:6] if len(line) <= _INFO_LINE and _FULL_DATE.search(line)), "")
    for text in (label.group(1) if label else None, info):
        match = _EARLY_DATE.search(text or "")
        if match and int(match.group(1)) < 1990:
            try:
                year, month, day = (int(part) for part in match.groups())
                return ParsedDate(datetime(year, month, day, tzinfo=SHANGHAI), "day")
            except ValueError:
                continue
    return None


GENERIC_PUBLISHED_AT = (
    Rule("stated-before-1990", _stated_before_1990),
    Rule("meta|label|under-headline", _published_at_stated),
    Rule("template:wechat:ct", _wechat_time),
    Rule("text:first-date", lambda page: find_date(visible_text(page)[:3000], now=page.now)),
)

_SOURCE_NODES = etree.XPath(
    "//body//*[contains(translate(@class,'SOURCE','source'),'source')"
    " or contains(translate(@id,'SOURCE','source'),'source')]",
    smart_strings=False,
)


def _near_headline(page: Page) -> str:
    """The visible text right under the headline (the info line: time, 来源, byline), or ""."""
    cached = page.__dict__.get("_near_headline")
    if cached is None:
        text = visible_text(page)
        headline = _headline_in_html_title(page) or _h1(page)
        at = text.find(headline) if headline else -1
        cached = text[at + len(headline or "") : at + len(headline or "") + _AFTER_HEADLINE] if at >= 0 else ""
        page.__dict__["_near_headline"] = cached
    return str(cached)


def _source_classed(page: Page) -> str | None:
    """The text of an element whose class or id says source (span.source, #source, a.ent-source) in the info
    line under the headline: where templates without a 来源 label print it."""
    info = _near_headline(page)
    if not info:
        return None
    for node in _SOURCE_NODES(page.sel.root)[:40]:
        if node.tag in ("script", "style", "img", "meta", "link"):
            continue
        text = clean_line(" ".join(t for t in node.itertext() if isinstance(t, str)))
        value = shape_source(text)
        if value and 2 <= len(value) <= 30 and value in info and not re.search(r"\d{4}|[:：]", value):
            return value
    return None


# Words of an info line that are page furniture, not a publisher's name.
_INFO_FURNITURE = re.compile(
    r"^(?:原创|转载|分享|分享到|字号|评论|关注|\+关注|打印|收藏|举报|纠错|订阅|大|中|小|A\+|A-|手机看|微信|微博|"
    r"扫一扫|来源|作者|编辑|责任编辑|浏览|阅读|次|播报|暂停|发布|发布时间|发表|更新|更新时间|时间|日期|发表于|发布于|"
    r"Facebook|Twitter|Email|WhatsApp|LINE|QQ空间|QQ好友|微信好友|复制链接|新浪微博|腾讯微博)[:：]?$"
)
_PUBLISHER = re.compile(
    r"(?:报|网|社|台|站|新闻|日报|晚报|早报|客户端|发布|杂志|周刊|频道|在线|之家|号|传媒|媒体|资讯|财经|科技|观察|时评|"
    r"中心|办事处|政府|委员会|局|厅|协会|集团|公司|[A-Za-z]{2,})$"
)
_NAME_LIKE = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·()（）\- ]{1,19}$")


_CREDITED = re.compile(
    r"([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·]{1,19})\s*[\[【（(](?:整理|编译|综合|原创)[\]】）)]"
)


def _source_beside_date(page: Page) -> str | None:
    """The publisher's name printed beside the time in the info line under the headline, without a label:
    "南方都市报 2019-09-09 16:01", "2019-09-26 10:56:28 证券时报网", "石佳/中国青年报" (writer/publisher)."""
    lines = [line.strip() for line in _near_headline(page).split("\n") if line.strip()][:8]
    for index, line in enumerate(lines):
        if not re.search(r"\d{4}[-年/.]\d{1,2}|\d{1,2}[-月/]\d{1,2}日?\s+\d{1,2}:\d{2}|^(?:发布)?时间[:：]\s*\d", line):
            continue
        # A name the info line marks as the compiler of the piece: "2019-09-05 11:10 游民星空[整理]".
        if credited := _CREDITED.search(" ".join(lines[index : index + 2])):
            return credited.group(1)
        for other in (*lines[max(0, index - 2) : index][::-1], *lines[index + 1 : index + 3]):
            value = other.rsplit("/", 1)[-1].strip() if "/" in other else other
            if _INFO_FURNITURE.match(value) or _ACCOUNT_LABEL.match(value) or re.search(r"\d", value):
                continue
            if not _NAME_LIKE.match(value):
                continue
            # Only a name that reads as a publisher: a newspaper, site, agency, channel or account.
            if _PUBLISHER.search(value):
                return value
        return None
    return None


# The label a self-media platform prints beside the account that published the piece (企鹅号, 百家号 badges).
_ACCOUNT_LABEL = re.compile(
    r"^(?:企鹅号|百家号|头条号|大风号|网易号|搜狐号|澎湃号|一点号|优质[^\s]{0,6}作者|[^\s]{0,6}领域创作者)$"
)


def _account_beside_label(page: Page) -> str | None:
    """A self-media account: the name in the info line just before the platform's label ("扬眼" "企鹅号"),
    the time between them skipped ("加拿大必读" "发布时间：10-08" "12:00" "优质原创作者")."""
    lines = [line.strip() for line in _near_headline(page).split("\n") if line.strip()][:16]
    for index, line in enumerate(lines):
        if not _ACCOUNT_LABEL.match(line):
            continue
        for other in reversed(lines[max(0, index - 3) : index]):
            if re.search(r"\d", other) or _INFO_FURNITURE.match(other):
                continue
            return other if _NAME_LIKE.match(other) else None
        return None
    return None


# The source a page's script states in its page config (`source: '补壹刀微信公号', // 来源`), for templates that
# print it only as a link to the account.
# A JS object key (unquoted, unlike the JSON of listed items, whose sources are other pages').
_SCRIPT_SOURCE = re.compile(r"""(?:^|[\s,{;])source\s*:\s*["']([^"'\n<>]{2,30})["']""")


def _source_in_script(page: Page) -> str | None:
    values = set()
    for script in page.sel.root.xpath("//script[not(@src)]/text()"):
        for match in _SCRIPT_SOURCE.finditer(script):
            value = shape_source(match.group(1))
            if value and has_cjk(value) and _NAME_LIKE.match(value):
                values.add(value)
    # Several sources in the scripts are a list of other articles, not this page's config.
    return values.pop() if len(values) == 1 else None


GENERIC_SOURCE = (
    meta_text("ContentSource", shape=shape_source),
    # The value may sit in the next element after the label ("来源：<a>新华网</a>").
    text_pattern(
        "来源",
        r"(?:信息来源|文章来源|稿件来源|本文来源|来源|出处)\s*(?:[:：]\s*(?:\n\s*)?|\n\s*)([^\n]{2,40})",
        shape=shape_source,
    ),
    Rule("css:[class*=source]", _source_classed),
    meta_text("source", shape=shape_source),
    Rule("text:beside-the-date", _source_beside_date),
    Rule(
        "template:wechat:#js_name", lambda page: page.first_text("#js_name") if page.first_node("#js_content") else None
    ),
    Rule("text:account-beside-platform-label", _account_beside_label),
    Rule("script:source-key", _source_in_script),
)

# "（记者 燕帅 宋心蕊）" in a dateline; "（评论员 罗博 萧海川）" as a sign-off.
AUTHOR_IN_TEXT = re.compile(
    r"[（(]\s*((?:[^（）()\n]{0,6}?)(?:记者|评论员|通讯员|编译|作者|文)\s*[/／:：]?[^（）()\n]{2,40})[）)]"
)
# A byline paragraph opening the body: "半月谈记者 史卫燕", "澎湃新闻记者 段彦超 廖艳", "【文/观察者网专栏作者 王文】",
# "执笔/叨叨姐、胡一刀&李小飞刀", "本报记者 王乐文 方 敏"; group 1 is the names.
_BYLINE_PARAGRAPH = re.compile(
    r"^[【\[]?(?:[^\s，。,.：:]{0,12}?(?:记者|通讯员|作者)|文\s*[/／]|执笔\s*[/／:：]|作者\s*[/／:：])"
    r"(?:[^，。,.：:\s]{0,8}?(?:记者|作者))?\s*([\u4e00-\u9fff][\u4e00-\u9fff\s、，,&]{1,30}?)[】\]]?$"
)


_NOT_A_PERSON = re.compile(r"网络|整理|综合|编辑|本站|来源|报道")


def _person(name: str) -> bool:
    """A writer's name by its form (a surname and one to three characters), not a filler word."""
    return looks_like_a_name(name) and name not in _NOT_NAMES and not _NOT_A_PERSON.search(name)


def byline_paragraph(paragraphs: Sequence[str]) -> list[str]:
    """Writers named by a short byline paragraph opening the body, or []."""
    if paragraphs and len(paragraphs[0]) <= 30 and (match := _BYLINE_PARAGRAPH.match(paragraphs[0])):
        names = split_names(match.group(1).replace("&", " "))
        if names and all(_person(n) for n in names):
            return names
    return []


# A reporter's name signing off the last paragraph: "…在巴西、乌拉圭、阿根廷举行。（张巨峰）". Not a body's name
# (…社, …报), and not （完）.
_SIGN_OFF = re.compile(r"[（(]([\u4e00-\u9fff]{2,4}(?:[\s、][\u4e00-\u9fff]{2,4}){0,2})[）)]$")
_ROLE_WORD = re.compile(r"记者|评论员|通讯员|编辑|作者|摄影")
_BODY_SUFFIX = re.compile(r"[社报网台局部会院委厅办处署站]$")


def sign_off(paragraph: str) -> tuple[str, list[str]]:
    """(the paragraph without its closing sign-off, the names it signed) or (paragraph, [])."""
    match = _SIGN_OFF.search(paragraph)
    if not match or len(paragraph) == len(match.group(0)):
        return paragraph, []
    names = split_names(match.group(1))
    # "（记者 …）", "（评论员 …）" are datelines and sign-offs the text keeps (authors_in_body reads them).
    if not names or not all(_person(n) and not _BODY_SUFFIX.search(n) and not _ROLE_WORD.search(n) for n in names):
        return paragraph, []
    return paragraph[: match.start()].rstrip(), names


# "（责编：胡永秋、杨光宇）", "【责任编辑:王頔】", "责任编辑：尹世杰".
EDITOR_IN_TEXT = re.compile(r"(?:责任编辑|责编)\s*[:：]\s*([^）)\]】\n]{2,40})")
# Every editor credit on a page: "责任编辑：王頔", "编辑|禤志杰", "责编|陈梦莹", "编辑/苏芳", a value on the next line.
_EDITOR_CREDITS = re.compile(r"(?:责任编辑|责编|编辑)\s*[:：|｜︱/]\s*(?:\n\s*)?([^）)\]】\n]{2,40})")
# What a name in a credit line looks like: two to four ideographs, or a staff handle such as NF041 or alonliu.
_PLAUSIBLE_NAME = re.compile(r"^(?:[\u4e00-\u9fff·]{2,5}|[A-Za-z][A-Za-z0-9_]{1,19})$")

# "作者：王文", "作者︱春春", "文/王文", "| 作者\n魏星" (the value in the next element).
_AUTHOR_LABEL = re.compile(r"(?:^|\n|\s)(?:作者|撰文|采写|编译|文)\s*(?:[:：︱|｜/]\s*(?:\n\s*)?|\n\s*)([^\n]{2,30})")


def _labelled_authors(page: Page) -> list[str] | None:
    """Names after the first author label that gives any (an empty "作者：" slot is passed over)."""
    for match in _AUTHOR_LABEL.finditer(visible_text(page)):
        if names := shape_people(match.group(1)):
            return names
    return None


def _byline_under_headline(page: Page) -> list[str] | None:
    """A byline line in the info block under the headline: "本报记者 王乐文 方 敏"."""
    for line in _near_headline(page).split("\n")[:6]:
        if names := byline_paragraph([line.strip()]):
            return names
    return None


GENERIC_AUTHORS = (
    Rule("text:作者：", _labelled_authors),
    Rule("text:byline-under-headline", _byline_under_headline),
)


def authors_in_body(paragraphs: Sequence[str]) -> list[str]:
    """Reporters named in a byline paragraph or the dateline of the body's first paragraphs, or in a sign-off
    in its last one.

    Only the article's own body is searched: related-article teasers on the page quote other datelines.
    """
    if names := byline_paragraph(paragraphs):
        return names
    for text in (*paragraphs[:2], *paragraphs[-3:][::-1]):
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


_STAFF_CODE = re.compile(r"_[A-Za-z]*\d+[A-Za-z0-9]*$")  # "杨倩_NF4425": the editor and a staff code
_LATIN_NAME = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}$")  # "Demi Xia"


def _editor_credits(page: Page) -> list[str]:
    names: list[str] = []
    for match in _EDITOR_CREDITS.finditer(visible_text(page)):
        value = clean_line(match.group(1))
        if _LATIN_NAME.match(value):
            if value not in names:
                names.append(value)
            continue
        for name in split_names(value):
            name = _STAFF_CODE.sub("", name)
            if _PLAUSIBLE_NAME.match(name) and name not in names:
                names.append(name)
            elif not _PLAUSIBLE_NAME.match(name):
                break  # the rest of the line is not a name list
    return names


GENERIC_EDITORS = (Rule("text:责任编辑|编辑", _editor_credits),)


def _search_shape(pattern: re.Pattern[str], page: Page, shape: Callable[[str], Any]) -> Any:
    match = pattern.search(visible_text(page))
    return shape(match.group(1)) if match else None
