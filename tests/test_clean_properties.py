"""Property tests for body cleaning and extraction on arbitrary HTML and bytes (hypothesis).

Body cleaning never raises; extract_fields never raises; extract raises nothing but ExtractionError.
"""

from __future__ import annotations

import html

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extraction import ExtractionError, extract, extract_fields
from extraction.clean import _CAPTION, _CREDIT, _NOISE_LINES, _TAIL_MARKERS, clean_body, clean_body_parts

# Text a paragraph might hold: CJK, Latin, digits, full-width punctuation and spaces (U+3000 included).
_TEXT = st.text(
    alphabet=st.sampled_from(list("政府数字化建设会议强调推进服务人民经济发展abcXYZ0123456789，。、；：“”（）《》　 ")),
    min_size=1,
    max_size=40,
)
_TAGS = ["p", "div", "span", "a", "b", "strong", "font", "br", "img", "script", "style", "table", "tr", "td", "li"]


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    """Random, often malformed, nested markup with attributes that matter to cleaning."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 5))
        if kind == 0 or depth > 3:
            parts.append(html.escape(draw(_TEXT)))
        elif kind == 1:
            parts.append(draw(st.sampled_from(["<br>", "<img src=x.jpg>", "<!-- c -->", "</p>", "<p>", "&nbsp;"])))
        else:
            tag = draw(st.sampled_from(_TAGS))
            attrs = draw(
                st.sampled_from(["", ' style="text-align:center"', ' style="display:none"', ' align="center"'])
            )
            inner = draw(html_fragments(depth + 1))
            closing = draw(st.sampled_from([f"</{tag}>", ""]))
            parts.append(f"<{tag}{attrs}>{inner}{closing}")
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=500), html_fragments()))
def test_cleaning_any_markup_never_raises(markup: str) -> None:
    parts = clean_body_parts(markup, drop=("div.edit", "#x"))
    for paragraph in parts.paragraphs + parts.credits:
        assert isinstance(paragraph, str) and paragraph and "\n" not in paragraph
        assert paragraph == paragraph.strip(" \u3000")


@settings(max_examples=100, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_paragraphs_are_kept_in_order_with_their_punctuation(texts: list[str]) -> None:
    paragraphs = [" ".join(t.split()).strip(" \u3000") for t in texts]
    paragraphs = [p for p in paragraphs if p]
    assume(paragraphs)
    for p in paragraphs:
        assume(not (_CAPTION.search(p) or _CREDIT.match(p) or _NOISE_LINES.match(p) or _TAIL_MARKERS.match(p)))
    markup = "<div>" + "".join(f"<p>　　{html.escape(p)}</p>" for p in paragraphs) + "</div>"
    assert clean_body(markup) == paragraphs


@settings(max_examples=100, deadline=None)
@given(html_fragments(), _TEXT)
def test_script_style_comment_and_hidden_text_never_reaches_the_body(markup: str, text: str) -> None:
    marker = "ZZSECRETZZ"
    hidden = (
        f"<script>var a='{marker}';</script><style>.{marker}{{}}</style><!--{marker}-->"
        f'<div style="display:none">{marker}</div>'
    )
    body = clean_body(f"<div>{markup}{hidden}<p>{html.escape(text)}</p></div>")
    assert all(marker not in p for p in body)


@settings(max_examples=80, deadline=None)
@given(
    st.binary(max_size=3000),
    st.sampled_from(
        [
            "http://www.news.cn/politics/2022-12/14/c_1.htm",
            "https://www.gov.cn/x.htm",
            "http://example.com/a.html",
            "http://news.cctv.com/2026/06/25/ARTI1.shtml",
        ]
    ),
)
def test_extraction_of_any_bytes_raises_only_the_documented_error(raw: bytes, url: str) -> None:
    record = extract_fields(url, raw)
    assert record.url == url
    try:
        extract(url, raw)
    except ExtractionError as error:
        assert error.reason.startswith("missing ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    html_fragments(),
    st.sampled_from(
        [
            "http://www.news.cn/a/c.html",
            "https://www.gov.cn/gongbao/content/2007/content_1.htm",
            "http://fgw.zj.gov.cn/art/1.html",
        ]
    ),
)
def test_extraction_of_any_markup_never_raises(markup: str, url: str) -> None:
    page = f"<html><head><title>{markup[:50]}</title></head><body>{markup}</body></html>"
    extract_fields(url, page.encode("utf-8"))


# Full-width forms, the ideographic space, compatibility ideographs, circled digits and combining marks: every
# kind of character NFKC rewrites in Chinese pages, mixed with plain ideographs and ASCII.
_NFKC_ALPHABET = st.sampled_from(
    list("数字政府一网通办，。；：（）！？　ＡＺａｚ０９＋－ab09 \u00e9\u0301\u2460\uf900\uff61\u3002\u2f00\u00a0")
) | st.characters(codec="utf-8")


@given(st.text(_NFKC_ALPHABET, max_size=80))
def test_fast_nfkc_is_nfkc(text: str) -> None:
    """The index and every comparison key rely on nfkc() being exactly NFKC, only faster."""
    from unicodedata import normalize

    from extraction.text import nfkc

    assert nfkc(text) == normalize("NFKC", text)
