"""Decode fetched page bytes to text, trusting declarations only as far as the bytes confirm them."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace
from typing import Literal

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

__all__ = ["DecodedPage", "decode_html", "normalise_charset"]

DeclaredBy = Literal["bom", "header", "meta", "none"]


@dataclass(frozen=True)
class DecodedPage:
    """A page as text, with how its charset was found and whether the page told the truth about it."""

    text: str
    charset: str  # codec actually used: "utf-8", "gb18030", "big5", "windows-1252", …
    declared: str | None  # what the page/server claimed, normalised; None if nothing usable was declared
    declared_by: DeclaredBy
    mismatch: bool  # the declaration was wrong (e.g. meta says GB2312, bytes are UTF-8)
    lossy: bool  # some bytes could not be decoded and were replaced with U+FFFD
    # Why the decoded text may still be wrong when the bytes decoded cleanly (Big5 read as GBK), or None.
    doubt: str | None = None


def gbk_doubt(text: str) -> str | None:
    """Why GB-family text may really be another double-byte charset: Big5 or Shift-JIS bytes read as GBK decode
    cleanly, but into hanzi that ordinary simplified Chinese hardly uses (outside GB2312's 6,763)."""
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if len(hanzi) < _DOUBT_MIN_HANZI:
        return None
    rare = 0
    for ch in hanzi:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    share = rare / len(hanzi)
    if share < _DOUBT_RARE_SHARE:
        return None
    return (
        f"{share:.0%} of its hanzi are outside GB2312, as when Big5 or Shift-JIS bytes are read as GBK: "
        "the text may be garbled"
    )


# Ordinary simplified Chinese text keeps nearly all its hanzi inside GB2312; garbled text does not.
_DOUBT_MIN_HANZI = 40
_DOUBT_RARE_SHARE = 0.2


# WHATWG labels of the GBK family. Pages labelled GB2312 really use GBK characters, and GB18030 is a
# superset of both, so the whole family decodes as GB18030, whatever Python's alias table would say.
_GBK_LABELS = frozenset(
    {
        "chinese",
        "csgb2312",
        "csiso58gb231280",
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gbk",
        "iso-ir-58",
        "x-gbk",
        "cp936",
        "ms936",
        "windows-936",
        "gb18030",
        "euc-cn",
        "x-euc-cn",
    }
)

# WHATWG labels that Python (and so w3lib) does not know, mapped to ones it does. Applied to the header and
# to a copy of the page head before w3lib reads them, so that e.g. <meta charset="x-gbk"> is not lost.
_EXTRA_LABELS = {
    "x-gbk": "gbk",
    "csgb2312": "gb2312",
    "gb_2312": "gb2312",
    "windows-936": "gbk",
    "x-euc-cn": "gb2312",
    "cn-big5": "big5",
    "x-x-big5": "big5",
    "x-euc-jp": "euc-jp",
    "x-mac-roman": "macintosh",
    "unicode-1-1-utf-8": "utf-8",
    "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8",
    "x-unicode20utf8": "utf-8",
}
_EXTRA_LABEL_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(label) for label in _EXTRA_LABELS) + r")(?![\w-])", re.IGNORECASE
)
_EXTRA_LABEL_BYTES_RE = re.compile(_EXTRA_LABEL_RE.pattern.encode(), re.IGNORECASE)
# The labels as bytes, to see whether a page head names any of them before the regex runs: the case-insensitive
# alternation with look-arounds costs ~0.2 ms over 4 KB, a lower-cased copy and a few substring tests ~5 µs, and
# almost no page uses such a label.
_EXTRA_LABEL_BYTES = tuple(label.encode() for label in _EXTRA_LABELS)

# Python codec name -> the name the rest of the project (and the database) records: the WHATWG spelling
# where Python's differs. The codec on the left is the one decoding uses.
_PUBLIC_NAMES = {
    "big5hkscs": "big5",
    "cp932": "shift_jis",
    "cp949": "euc-kr",
    "cp874": "windows-874",
    "euc_jp": "euc-jp",
    "iso2022_jp": "iso-2022-jp",
    "mac-roman": "macintosh",
    **{f"cp125{n}": f"windows-125{n}" for n in range(9)},
    **{f"iso8859-{n}": f"iso-8859-{n}" for n in range(2, 17)},
}
_CODEC_FOR_PUBLIC = {public: codec for codec, public in _PUBLIC_NAMES.items()}

# Western single-byte codecs: Java servers send "charset=ISO-8859-1" by default, whatever the page is in,
# so such a header is weaker evidence than a CJK meta declaration or GB18030-clean bytes.
# (w3lib resolves ISO-8859-1, latin1 and ascii to windows-1252, as browsers do.)
_SERVER_DEFAULTS = frozenset({"windows-1252"})

_CJK_RE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _gb18030_euro_strict(exc: UnicodeError) -> tuple[str, int]:
    # GBK (cp936) has the euro sign at the single byte 0x80 and the WHATWG gb18030 decoder keeps it;
    # Python's GB18030 codec rejects that byte. Accept it, and stay strict about everything else.
    if isinstance(exc, UnicodeDecodeError) and exc.object[exc.start] == 0x80:
        return "\u20ac", exc.start + 1
    raise exc


def _gb18030_euro_replace(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        if exc.object[exc.start] == 0x80:
            return "\u20ac", exc.start + 1
        return "\ufffd", exc.end
    raise exc


codecs.register_error("newsmon_gb18030_strict", _gb18030_euro_strict)
codecs.register_error("newsmon_gb18030_replace", _gb18030_euro_replace)


def normalise_charset(name: str) -> str | None:
    """Map a charset label to the name decoding uses: GB2312/GBK/x-gbk/cp936 -> "gb18030", "utf8" -> "utf-8".

    Returns None for labels no text codec answers to (and for UTF-7, which browsers refuse).
    """
    label = name.strip().strip("\"'").strip().lower()
    if not label or len(label) > 64:
        return None
    label = _EXTRA_LABELS.get(label, label)
    if label in _GBK_LABELS:
        return "gb18030"
    if label in _CODEC_FOR_PUBLIC:
        return label
    try:
        codec = resolve_encoding(label)
        if codec is None and label.startswith("x-"):
            codec = resolve_encoding(label[2:])
    except (LookupError, ValueError, TypeError):
        return None
    if codec is None:
        return None
    try:
        info = codecs.lookup(codec)
    except LookupError:
        return None
    # base64, rot13, zlib and friends are codecs too, but not text encodings; "undefined" always fails.
    if not getattr(info, "_is_text_encoding", True) or info.name == "undefined":
        return None
    return _PUBLIC_NAMES.get(info.name, info.name)


def _python_codec(charset: str) -> str:
    return _CODEC_FOR_PUBLIC.get(charset, charset)


def _ascii_compatible(charset: str) -> bool:
    # A codec that spells ASCII differently (UTF-16/32 without a BOM, EBCDIC) cannot be what a page whose
    # markup we just read as ASCII is in; browsers ignore such declarations the same way.
    try:
        return "<meta charset=a>".encode(_python_codec(charset)) == b"<meta charset=a>"
    except (LookupError, UnicodeError, ValueError):
        return False


def _strict(body: bytes, charset: str) -> str | None:
    """The text if every byte decodes under `charset`, else None."""
    codec = _python_codec(charset)
    errors = "newsmon_gb18030_strict" if codec == "gb18030" else "strict"
    try:
        return body.decode(codec, errors)
    except (UnicodeError, LookupError, ValueError):
        return None


def _lossy(body: bytes, charset: str) -> str:
    codec = _python_codec(charset)
    errors = "newsmon_gb18030_replace" if codec == "gb18030" else "replace"
    try:
        return body.decode(codec, errors)
    except (UnicodeError, LookupError, ValueError):
        # Only codecs that fail even under "replace" get here; UTF-8 with replacement always works.
        return body.decode("utf-8", "replace")


def _mostly_cjk(text: str) -> bool:
    # GBK text read as GB18030 is nearly all hanzi and full-width punctuation; Latin-1 text that happens to
    # be GB18030-clean turns into scattered rare characters and symbols instead.
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if len(non_ascii) < 8:
        return False
    cjk = sum(1 for ch in non_ascii if _CJK_RE.match(ch))
    return cjk >= 0.9 * len(non_ascii)


def _declarations(body: bytes, content_type: str | None) -> list[tuple[str, DeclaredBy]]:
    found: list[tuple[str, DeclaredBy]] = []
    # w3lib is parsing arbitrary server and page text here; a declaration it cannot read is no declaration.
    try:
        if content_type:
            content_type = _EXTRA_LABEL_RE.sub(lambda m: _EXTRA_LABELS[m.group(1).lower()], content_type)
        header = http_content_type_encoding(content_type) if content_type else None
    except Exception:
        header = None
    if header and (charset := normalise_charset(header)):
        found.append((charset, "header"))
    try:
        # w3lib reads only the first 4 KB, so translating labels in that much is enough.
        head = body[:4096]
        lowered = head.lower()  # bytes.lower() folds ASCII only, as re.IGNORECASE does for a bytes pattern
        if any(label in lowered for label in _EXTRA_LABEL_BYTES):
            head = _EXTRA_LABEL_BYTES_RE.sub(lambda m: _EXTRA_LABELS[m.group(1).decode().lower()].encode(), head)
        meta = html_body_declared_encoding(head)
    except Exception:
        meta = None
    if meta and (charset := normalise_charset(meta)):
        found.append((charset, "meta"))
    return found


def decode_html(body: bytes, content_type: str | None = None) -> DecodedPage:
    """Decode an HTML page: BOM, then the HTTP header, then <meta>; the bytes have the last word.

    Never raises: undecodable bytes are replaced and the result is marked lossy.
    """
    bom_charset, bom = read_bom(body)
    if bom_charset is not None and bom is not None:
        # A BOM is authoritative: nothing else produces those bytes at the start of an HTML page.
        charset = normalise_charset(bom_charset) or bom_charset
        payload = body[len(bom) :]
        text = _strict(payload, charset)
        return DecodedPage(
            text=text if text is not None else _lossy(payload, charset),
            charset=charset,
            declared=charset,
            declared_by="bom",
            mismatch=False,
            lossy=text is None,
        )

    declarations = _declarations(body, content_type)
    declared: str | None = None
    declared_by: DeclaredBy = "none"
    if declarations:
        declared, declared_by = declarations[0]

    def page(text: str, charset: str, *, lossy: bool = False) -> DecodedPage:
        return DecodedPage(
            text=text,
            charset=charset,
            declared=declared,
            declared_by=declared_by,
            mismatch=declared is not None and declared != charset,
            lossy=lossy,
        )

    usable = [c for c, _ in declarations if _ascii_compatible(c)]
    if body.isascii():
        # Every ASCII-compatible charset reads ASCII alike, so the declaration cannot be contradicted.
        return page(body.decode("ascii"), usable[0] if usable else "utf-8")

    utf8 = _strict(body, "utf-8")
    if utf8 is not None:
        # Non-ASCII bytes that form valid UTF-8 are UTF-8: GBK or Latin-1 text is never valid UTF-8 by chance.
        return page(utf8, "utf-8")

    if usable and usable[0] in _SERVER_DEFAULTS:
        # A Latin-1 header is usually the server's default, not the author's choice: let a <meta> that
        # names a real charset, or GB18030-clean Chinese bytes, go first.
        rest = [c for c in usable if c not in _SERVER_DEFAULTS]
        gb = _strict(body, "gb18030")
        if gb is not None and _mostly_cjk(gb):
            rest.append("gb18030")
        usable = rest + [c for c in usable if c in _SERVER_DEFAULTS]

    for charset in [*usable, "gb18030"]:
        text = _strict(body, charset)
        if text is not None:
            decoded = page(text, charset)
            if charset == "gb18030" and (doubt := gbk_doubt(text)):
                return replace(decoded, doubt=doubt)
            return decoded

    # Nothing decodes cleanly: take whichever candidate loses the fewest characters, preferring what was
    # declared on a tie, so a GBK page with a few corrupt bytes still reads as Chinese.
    best: tuple[int, str, str] | None = None
    for charset in dict.fromkeys([*usable, "gb18030", "utf-8"]):
        text = _lossy(body, charset)
        lost = text.count("\ufffd")
        if best is None or lost < best[0]:
            best = (lost, text, charset)
    assert best is not None  # the candidate list always holds gb18030 and utf-8
    return page(best[1], best[2], lossy=True)
