"""Tests of the charset decoder on the saved pages of ../shared, on hand-made byte strings and on noise."""

from __future__ import annotations

import codecs
import html
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from extraction.charset import DecodedPage, decode_html, normalise_charset

# The pages are read in place from the workplace's shared folder; they belong to their publishers and are
# never copied into the repository.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
CANDIDATES = SHARED / "corpus_candidates"
ABSENT = f"../shared is absent (fresh clone outside the workplace): {SHARED}"

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# Gold says what the bytes are in; GB2312 and GBK pages must be decoded with their superset GB18030.
EXPECTED_CODEC = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", html.unescape(text)))


def _params(paths: list[Path], root: Path) -> list[Any]:
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT), id="shared-absent")]
    return [pytest.param(path, id=str(path.relative_to(root))) for path in paths]


def _gold_pages() -> list[Any]:
    pages = sorted((CORPUS / "pages").glob("*.html")) if CORPUS.is_dir() else []
    return _params(pages, CORPUS / "pages")


def _candidate_pages() -> list[Any]:
    pages = (
        sorted(p for p in CANDIDATES.rglob("*") if p.suffix in {".html", ".htm"} and p.is_file())
        if CANDIDATES.is_dir()
        else []
    )
    return _params(pages, CANDIDATES)


def _gold(page: Path) -> dict[str, Any]:
    gold: dict[str, Any] = json.loads((CORPUS / "gold" / f"{page.stem}.json").read_text(encoding="utf-8"))
    return gold


# ---------------------------------------------------------------------------------------------------------
# The corpus with gold


def test_corpus_is_there() -> None:
    if not SHARED.is_dir():
        pytest.skip(ABSENT)
    assert len(list((CORPUS / "pages").glob("*.html"))) >= 10
    assert len([p for p in CANDIDATES.rglob("*") if p.suffix in {".html", ".htm"}]) >= 100


@pytest.mark.parametrize("page", _gold_pages())
def test_gold_pages_decode_with_the_gold_charset(page: Path) -> None:
    gold = _gold(page)
    decoded = decode_html(page.read_bytes())
    assert decoded.charset == EXPECTED_CODEC[gold["charset"].lower()]
    assert not decoded.lossy
    # The headline is in the <title>/<h1>: reading it back proves the text, not only the label, is right.
    assert _squash(gold["title"]) in _squash(decoded.text)
    # No HTTP headers were saved with the pages, so whatever was declared came from a <meta>.
    assert decoded.declared_by == ("meta" if decoded.declared else "none")
    assert decoded.mismatch == (decoded.declared != decoded.charset)


def test_people_2024_finance_says_gb2312_but_is_utf8() -> None:
    page = CORPUS / "pages" / "people-2024-finance.html"
    if not page.is_file():
        pytest.skip(ABSENT)
    decoded = decode_html(page.read_bytes())
    assert decoded == DecodedPage(
        text=decoded.text, charset="utf-8", declared="gb18030", declared_by="meta", mismatch=True, lossy=False
    )
    assert "在新时代中部地区崛起中争先出彩" in decoded.text


def test_people_2024_finance_with_a_truthful_header() -> None:
    page = CORPUS / "pages" / "people-2024-finance.html"
    if not page.is_file():
        pytest.skip(ABSENT)
    decoded = decode_html(page.read_bytes(), "text/html; charset=UTF-8")
    assert (decoded.charset, decoded.declared, decoded.declared_by, decoded.mismatch) == (
        "utf-8",
        "utf-8",
        "header",
        False,
    )


def test_people_2009_is_really_gbk() -> None:
    page = CORPUS / "pages" / "people-2009-anhui-warning.html"
    if not page.is_file():
        pytest.skip(ABSENT)
    decoded = decode_html(page.read_bytes())
    assert (decoded.charset, decoded.declared, decoded.mismatch, decoded.lossy) == ("gb18030", "gb18030", False, False)
    assert "揪揪耳朵" in decoded.text


@pytest.mark.parametrize("page", _candidate_pages())
def test_candidate_pages_decode_cleanly(page: Path) -> None:
    body = page.read_bytes()
    decoded = decode_html(body)
    assert not decoded.lossy
    if not body.isascii():
        # All candidates are Chinese pages except two livedoor.com pages in magic-html, which are Japanese
        # (and labelled EUC-JP, though saved as UTF-8):
        # kanji/hanzi prove the multi-byte text came out as characters, not mojibake.
        assert CJK.search(decoded.text)
        # Mojibake of UTF-8 read as GBK (or the reverse) is dense in rare characters; real text is not.
        assert "锟斤拷" not in decoded.text
    if decoded.declared is not None and decoded.mismatch:
        # Every lie found among the candidates is the same one: a legacy label on a page re-saved as UTF-8.
        assert decoded.charset == "utf-8"
        assert decoded.declared in {"gb18030", "euc-jp"}


# ---------------------------------------------------------------------------------------------------------
# Hand-made pages

CHINESE = (
    "<html><head><title>国务院新闻办公室</title></head><body><p>习近平总书记强调，坚持高质量发展。</p></body></html>"
)
GBK = CHINESE.encode("gbk")


def test_gbk_bytes_with_a_utf8_header() -> None:
    decoded = decode_html(GBK, "text/html; charset=utf-8")
    assert decoded == DecodedPage(
        text=CHINESE, charset="gb18030", declared="utf-8", declared_by="header", mismatch=True, lossy=False
    )


def test_gbk_bytes_with_no_declaration() -> None:
    decoded = decode_html(GBK)
    assert decoded == DecodedPage(
        text=CHINESE, charset="gb18030", declared=None, declared_by="none", mismatch=False, lossy=False
    )


def test_utf8_bytes_with_no_declaration() -> None:
    decoded = decode_html(CHINESE.encode("utf-8"), None)
    assert (decoded.text, decoded.charset, decoded.declared_by, decoded.mismatch) == (CHINESE, "utf-8", "none", False)


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "GB18030", "cp936", "csGB2312"])
def test_gbk_family_meta_decodes_as_gb18030(label: str) -> None:
    body = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'.encode() + GBK
    decoded = decode_html(body)
    assert (decoded.charset, decoded.declared, decoded.declared_by, decoded.mismatch) == (
        "gb18030",
        "gb18030",
        "meta",
        False,
    )
    assert decoded.text.endswith(CHINESE)


def test_whatwg_label_python_lacks_in_header() -> None:
    decoded = decode_html(GBK, 'text/html; charset="x-gbk"')
    assert (decoded.charset, decoded.declared, decoded.declared_by, decoded.mismatch) == (
        "gb18030",
        "gb18030",
        "header",
        False,
    )


def test_header_wins_over_meta() -> None:
    body = b'<meta charset="utf-8">' + GBK
    decoded = decode_html(body, "text/html; charset=GBK")
    assert (decoded.charset, decoded.declared, decoded.declared_by, decoded.mismatch) == (
        "gb18030",
        "gb18030",
        "header",
        False,
    )


def test_wrong_header_right_meta() -> None:
    decoded = decode_html(b'<meta charset="gb2312">' + GBK, "text/html; charset=utf-8")
    assert (decoded.charset, decoded.declared, decoded.declared_by, decoded.mismatch, decoded.lossy) == (
        "gb18030",
        "utf-8",
        "header",
        True,
        False,
    )


def test_latin1_server_default_does_not_hide_gbk() -> None:
    # Java servers send charset=ISO-8859-1 whatever the page is in.
    decoded = decode_html(GBK, "text/html;charset=ISO-8859-1")
    assert (decoded.text, decoded.charset, decoded.declared, decoded.mismatch) == (
        CHINESE,
        "gb18030",
        "windows-1252",
        True,
    )


def test_real_latin1_page_stays_latin1() -> None:
    text = "<p>Le café crème, très élégant, déjà servi à la française.</p>"
    decoded = decode_html(text.encode("latin-1"), "text/html; charset=ISO-8859-1")
    assert (decoded.text, decoded.charset, decoded.mismatch, decoded.lossy) == (text, "windows-1252", False, False)


def test_gbk_euro_sign_byte() -> None:
    # 0x80 is € in GBK/cp936 and in the WHATWG gb18030 decoder, though Python's gb18030 codec rejects it.
    decoded = decode_html("价格100".encode("gbk") + b"\x80", "text/html; charset=gbk")
    assert (decoded.text, decoded.lossy) == ("价格100€", False)


@pytest.mark.parametrize(
    ("bom", "codec", "charset"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    ],
)
def test_bom_is_authoritative(bom: bytes, codec: str, charset: str) -> None:
    # The header and meta both say GBK; the BOM overrules them.
    body = bom + ('<meta charset="gbk">' + CHINESE).encode(codec)
    decoded = decode_html(body, "text/html; charset=gbk")
    assert decoded == DecodedPage(
        text='<meta charset="gbk">' + CHINESE,
        charset=charset,
        declared=charset,
        declared_by="bom",
        mismatch=False,
        lossy=False,
    )


def test_broken_bytes_are_replaced_and_flagged() -> None:
    body = GBK[:40] + b"\xff" + GBK[40:]
    decoded = decode_html(body, "text/html; charset=gbk")
    assert (decoded.charset, decoded.lossy) == ("gb18030", True)
    assert "\ufffd" in decoded.text
    assert "国务院新闻办公室" in decoded.text


def test_corrupt_gbk_declared_utf8_still_reads_as_chinese() -> None:
    # Replacing as UTF-8 would turn every hanzi into U+FFFD; GB18030 loses one character.
    body = GBK + b"\xff"
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert (decoded.charset, decoded.lossy, decoded.mismatch) == ("gb18030", True, True)
    assert decoded.text == CHINESE + "\ufffd"


def test_ascii_page_keeps_its_declaration() -> None:
    decoded = decode_html(b"<html><meta charset=gb2312>hello</html>")
    assert (decoded.charset, decoded.declared, decoded.mismatch, decoded.lossy) == ("gb18030", "gb18030", False, False)
    assert decode_html(b"hello").charset == "utf-8"
    assert decode_html(b"").text == ""


def test_unknown_or_unsafe_labels_count_as_undeclared() -> None:
    for label in ["no-such-charset", "base64", "utf-7"]:
        decoded = decode_html(CHINESE.encode(), f"text/html; charset={label}")
        assert (decoded.charset, decoded.declared, decoded.declared_by) == ("utf-8", None, "none")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("GB18030", "gb18030"),
        ("gb_2312-80", "gb18030"),
        ("utf8", "utf-8"),
        ("UTF-8", "utf-8"),
        (" 'utf-8' ", "utf-8"),
        ("big5", "big5"),
        ("iso-8859-1", "windows-1252"),
        ("latin1", "windows-1252"),
        ("shift_jis", "shift_jis"),
        ("EUC-JP", "euc-jp"),
        ("utf-16le", "utf-16-le"),
        ("no-such-charset", None),
        ("", None),
        ("base64", None),
        ("rot13", None),
        ("utf-7", None),
    ],
)
def test_normalise_charset(label: str, expected: str | None) -> None:
    assert normalise_charset(label) == expected
    if expected is not None:
        assert normalise_charset(expected) == expected  # names we hand out are themselves understood


# ---------------------------------------------------------------------------------------------------------
# Noise


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096), st.one_of(st.none(), st.text()))
def test_decode_html_never_raises(body: bytes, content_type: str | None) -> None:
    decoded = decode_html(body, content_type)
    assert isinstance(decoded.text, str)
    assert decoded.declared_by in {"bom", "header", "meta", "none"}
    assert not decoded.mismatch or decoded.declared is not None


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["gb2312", "gbk", "utf-8", "big5", "latin-1", "nonsense"]),
    st.sampled_from(["gb18030", "utf-8", "utf-16", "big5"]),
)
def test_decode_html_never_raises_on_declared_pages(text: str, label: str, codec: str) -> None:
    body = f'<meta charset="{label}">{text}'.encode(codec, errors="replace")
    decoded = decode_html(body, f"text/html; charset={label}")
    assert isinstance(decoded.text, str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_utf8_wins_over_a_gbk_label(text: str) -> None:
    assume(not text.startswith("\ufeff"))  # that would be a UTF-8 BOM, tested above
    decoded = decode_html(text.encode("utf-8"), "text/html; charset=gbk")
    assert not decoded.lossy
    if not text.isascii():
        assert (decoded.text, decoded.charset, decoded.mismatch) == (text, "utf-8", True)


def test_big5_bytes_declared_gb2312_decode_with_a_doubt_a_person_can_see() -> None:
    from extraction import extract_fields

    traditional = (
        "雲溪市政務服務數據管理局今天介紹，全市一體化線上政務服務平臺已接入事項一千二百項，辦理時間平均縮短一半。"
    )
    simplified = (
        "云溪市政务服务数据管理局今天介绍，全市一体化在线政务服务平台已接入事项一千二百项，办理时间平均缩短一半。"
    )

    def html(text: str, encoding: str) -> bytes:
        page = f"<html><head><meta charset='gb2312'><title>t</title></head><body><div><p>{text * 3}</p></div></body>"
        return page.encode(encoding)

    garbled = decode_html(html(traditional, "big5"))
    assert garbled.doubt is not None and "Big5" in garbled.doubt
    assert decode_html(html(simplified, "gbk")).doubt is None
    record = extract_fields("http://www.example.gov.cn/a.html", html(traditional, "big5"))
    assert any("unverified" in warning for warning in record.warnings)
