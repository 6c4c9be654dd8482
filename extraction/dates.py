"""The one date parser of newsmon: publication dates from page text, meta values, URLs and epoch stamps."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

__all__ = [
    "SHANGHAI",
    "DateParseError",
    "ParsedDate",
    "check_plausible",
    "date_from_url",
    "find_date",
    "from_epoch_ms",
    "parse_date",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

Precision = Literal["day", "minute", "second"]

# Older dates are typos or epoch-zero placeholders; the sites we crawl did not publish online before then.
MIN_YEAR = 1990
MAX_YEAR = 2100


class DateParseError(ValueError):
    """The text holds no date this parser understands."""


@dataclass(frozen=True)
class ParsedDate:
    """A publication time in Asia/Shanghai, with how much of it the source actually stated."""

    value: datetime  # always tz-aware, in Asia/Shanghai
    precision: Precision


# ---------------------------------------------------------------------------------------------------------
# Patterns. They run on NFKC-normalised text, so full-width digits, colons and slashes are already ASCII.
# [0-9] rather than \d: Python's \d also matches Arabic-Indic and other digits that int() accepts.

# A UTC offset may follow the seconds ("…08:37:12+08:00", "…08:37:12 -0500"); after bare minutes only "Z" or
# "+hh:mm" count, because "08:00-10:00" on a notice is a time range, not an offset.
_TIME = (
    r"(?P<H>[0-9]{1,2})"
    r"(?:"
    r":(?P<M>[0-9]{2})"
    r"(?::(?P<S>[0-9]{2})(?:\.[0-9]{1,9})?(?:\s?(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?))?"
    r"|(?P<tz2>Z|\+[0-9]{2}(?::?[0-9]{2})?))?"
    r"|\s?[时点]\s?(?P<M2>[0-9]{1,2})\s?分(?:\s?(?P<S2>[0-9]{1,2})\s?秒)?"
    r")"
    r"(?![0-9:])"
)
# Between date and time: "T" (ISO), "-" (gov.cn meta "2018-05-04-08:37:12"), spaces, or nothing after 日.
_SEP = r"(?:\s?T\s?|\s?-\s?|\s*)"
_NUMERIC_DATE = r"(?<![0-9])(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"
_CHINESE_DATE = r"(?<![0-9])(?P<y>[0-9]{4})\s?年\s?(?P<m>[0-9]{1,2})\s?月\s?(?P<d>[0-9]{1,2})(?:\s?[日号]|(?![0-9]))"
# xinhua's split header: the year on one line, "05/09 10:12" on the next.
_SPLIT_DATE = r"(?<![0-9])(?P<y>[0-9]{4})\s+(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})(?![0-9])"
# "20180504" only as a token of its own: inside URLs and ids eight digits are usually something else.
_COMPACT_DATE = r"(?<![0-9A-Za-z_/.\-])(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
_COMPACT_END = r"(?![0-9A-Za-z_/\-]|\.[0-9A-Za-z])"
# Month-day without a year, as list pages print it. The dash/slash form needs a time, or "5-4" in a score
# or a range would read as a date.
_MD_NUMERIC = r"(?<![0-9年/.\-:])(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})(?![0-9])"
_MD_CHINESE = r"(?<![0-9年])(?P<m>[0-9]{1,2})\s?月\s?(?P<d>[0-9]{1,2})\s?[日号]"

_RELATIVE_DAY = r"(?P<rel>今天|昨天|前天)"
_AGO = r"(?<![0-9])(?P<n>[0-9]{1,5})\s?(?P<unit>秒钟?|分钟|小时|个小时|天)前"
_JUST_NOW = r"(?P<now>刚刚|刚才)"

Kind = Literal["absolute", "month_day", "relative_day", "ago", "just_now"]

_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    ("absolute", re.compile(_NUMERIC_DATE + f"(?:{_SEP}{_TIME})?")),
    ("absolute", re.compile(_CHINESE_DATE + f"(?:{_SEP}{_TIME})?")),
    ("absolute", re.compile(_SPLIT_DATE + rf"(?:\s+{_TIME})?")),
    ("absolute", re.compile(_COMPACT_DATE + rf"(?:\s+{_TIME})?" + _COMPACT_END)),
    ("month_day", re.compile(_MD_NUMERIC + rf"\s+{_TIME}")),
    ("month_day", re.compile(_MD_CHINESE + f"(?:{_SEP}{_TIME})?")),
    ("relative_day", re.compile(_RELATIVE_DAY + rf"(?:\s?{_TIME})?")),
    ("ago", re.compile(_AGO)),
    ("just_now", re.compile(_JUST_NOW)),
]

_NOISE = re.compile(r"&nbsp;?|&#0*160;|&#x0*a0;", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# parse_date accepts a label or source around the date ("发布时间：…", "… 来源：新华社"), not a sentence.
_MAX_LEFTOVER = 40
# Longer than any stamp the patterns can match (the longest, spaced-out 年月日 时分秒 forms, stay under 50).
_MAX_DATE_LENGTH = 64
# A month-day stamp may run slightly ahead of `now` (clock skew, pages scheduled for midnight).
_MONTH_DAY_SLACK = timedelta(days=2)


def _clean(text: str) -> str:
    text = _NOISE.sub(" ", text)
    # NFKC folds full-width digits/colons/slashes and &nbsp;/ideographic spaces into their ASCII forms.
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip()


def _shanghai_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(SHANGHAI)
    return _to_shanghai(now)


def _to_shanghai(value: datetime) -> datetime:
    # Naive datetimes are Shanghai wall-clock time: that is how every crawled site prints its stamps.
    if value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


def _tz_offset(raw: str) -> timezone:
    if raw == "Z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or "0")
    if hours > 14 or minutes > 59:
        raise DateParseError(f"bad UTC offset {raw!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _clock(match: re.Match[str]) -> tuple[int, int, int, Precision] | None:
    """Hour, minute, second and precision of the time in `match`, or None when it has no time."""
    hour = match.groupdict().get("H")
    if hour is None:
        return None
    minute = match.group("M") or match.group("M2")
    second = match.group("S") or match.group("S2")
    return int(hour), int(minute), int(second or 0), "second" if second else "minute"


def _assemble(year: int, month: int, day: int, match: re.Match[str]) -> ParsedDate:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateParseError(f"year {year} outside {MIN_YEAR}–{MAX_YEAR}")
    clock = _clock(match)
    try:
        if clock is None:
            return ParsedDate(datetime(year, month, day, tzinfo=SHANGHAI), "day")
        hour, minute, second, precision = clock
        tz = match.group("tz") or match.group("tz2")
        local = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise DateParseError(f"not a real date or time: {match.group(0)!r} ({exc})") from exc
    if tz:
        # Checked again after conversion: 2100-12-31T20:00Z is already 2101 in Shanghai.
        return _check_year(ParsedDate(local.replace(tzinfo=_tz_offset(tz)).astimezone(SHANGHAI), precision))
    value = local.replace(tzinfo=SHANGHAI)
    return ParsedDate(value, precision)


def _month_day(match: re.Match[str], now: datetime) -> ParsedDate:
    month, day = int(match.group("m")), int(match.group("d"))
    last_error: DateParseError | None = None
    # The year is implied: this year, unless that lands in the future, then last year (a January list page
    # showing "12-31"). 29 February also steps back to the last leap year that fits.
    for year in range(now.year, now.year - 8, -1):
        try:
            parsed = _assemble(year, month, day, match)
        except DateParseError as exc:
            last_error = exc
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                break
            continue
        if parsed.value <= now + _MONTH_DAY_SLACK:
            return parsed
    raise last_error or DateParseError(f"{match.group(0)!r} is in the future for every recent year")


def _relative_day(match: re.Match[str], now: datetime) -> ParsedDate:
    back = {"今天": 0, "昨天": 1, "前天": 2}[match.group("rel")]
    day = now.date() - timedelta(days=back)
    return _assemble(day.year, day.month, day.day, match)


def _ago(match: re.Match[str], now: datetime) -> ParsedDate:
    amount, unit = int(match.group("n")), match.group("unit")
    if unit == "天":
        day = now.date() - timedelta(days=amount)
        return _check_year(ParsedDate(datetime(day.year, day.month, day.day, tzinfo=SHANGHAI), "day"))
    step = {"分钟": timedelta(minutes=amount)}.get(unit, timedelta(hours=amount))
    precision: Precision = "minute"
    if unit.startswith("秒"):
        step, precision = timedelta(seconds=amount), "second"
    # Step in UTC so the arithmetic is exact across Shanghai's 1986–1991 summer-time changes.
    value = (now.astimezone(UTC) - step).astimezone(SHANGHAI).replace(microsecond=0)
    if precision == "minute":
        value = value.replace(second=0)
    return _check_year(ParsedDate(value, precision))


def _just_now(now: datetime) -> ParsedDate:
    return _check_year(ParsedDate(now.replace(second=0, microsecond=0), "minute"))


def _check_year(parsed: ParsedDate) -> ParsedDate:
    if not MIN_YEAR <= parsed.value.year <= MAX_YEAR:
        raise DateParseError(f"year {parsed.value.year} outside {MIN_YEAR}–{MAX_YEAR}")
    return parsed


def _interpret(kind: Kind, match: re.Match[str], now: Callable[[], datetime]) -> ParsedDate:
    try:
        if kind == "absolute":
            return _assemble(int(match.group("y")), int(match.group("m")), int(match.group("d")), match)
        if kind == "month_day":
            return _month_day(match, now())
        if kind == "relative_day":
            return _relative_day(match, now())
        if kind == "ago":
            return _ago(match, now())
        return _just_now(now())
    except DateParseError:
        raise
    except (OverflowError, ValueError) as exc:
        # Date arithmetic near the ends of datetime's range (a huge "N天前", an odd `now`).
        raise DateParseError(f"{match.group(0)!r} is out of range ({exc})") from exc


def _candidates(text: str) -> Iterator[tuple[Kind, re.Match[str]]]:
    """Every pattern match at every position, leftmost first; at one position the longest first."""
    found: list[tuple[int, int, int, Kind, re.Match[str]]] = []
    for order, (kind, pattern) in enumerate(_PATTERNS):
        pos = 0
        while (match := pattern.search(text, pos)) is not None:
            found.append((match.start(), -len(match.group(0)), order, kind, match))
            pos = match.start() + 1
    found.sort(key=lambda item: item[:3])
    for _, _, _, kind, match in found:
        yield kind, match


def _lazy_now(now: datetime | None) -> Callable[[], datetime]:
    cache: list[datetime] = []

    def get() -> datetime:
        if not cache:
            cache.append(_shanghai_now(now))
        return cache[0]

    return get


def _is_bare_word(kind: Kind, match: re.Match[str]) -> bool:
    # 今天/昨天/刚刚 without a clock time are ordinary words in running text ("今天，习近平……").
    return kind == "just_now" or (kind == "relative_day" and match.group("H") is None)


def parse_date(text: str, *, now: datetime | None = None) -> ParsedDate:
    """Parse a string that is (mostly) a date: a meta value, a <time>, a "发布时间：…" line.

    Text around the date is tolerated when it holds no digits and is short (a label, a source name).
    Relative forms (今天 08:37, 3小时前, 刚刚) count from `now`, which defaults to the current time in
    Shanghai; a naive `now` is Shanghai time. Raises DateParseError, and only that, for anything else.
    """
    if not isinstance(text, str):
        raise DateParseError(f"expected text, got {type(text).__name__}")
    cleaned = _clean(text)
    if len(cleaned) > _MAX_LEFTOVER + _MAX_DATE_LENGTH:
        raise DateParseError(f"too long to be a date: {text[:80]!r}…")
    get_now = _lazy_now(now)
    first_error: DateParseError | None = None
    for kind, match in _candidates(cleaned):
        leftover = cleaned[: match.start()] + cleaned[match.end() :]
        if re.search(r"[0-9]", leftover) or len(leftover.strip()) > _MAX_LEFTOVER:
            first_error = first_error or DateParseError(f"more than a date in {text[:80]!r}")
            continue
        try:
            return _interpret(kind, match, get_now)
        except DateParseError as exc:
            first_error = first_error or exc
    raise first_error or DateParseError(f"no date in {text[:80]!r}")


def find_date(text: str, *, now: datetime | None = None) -> ParsedDate | None:
    """The first valid date inside longer text ("2024年05月10日06:58 | 来源：人民网"), or None.

    A date with its year wins over an earlier one without (the "5月9日电" of a dateline guesses the year from
    `now`, which is wrong for any archived page); relative forms count only when nothing else is there.
    Bare 今天/昨天/刚刚 are skipped (they are ordinary words in prose); with a time they count.
    Never raises.
    """
    if not isinstance(text, str):
        return None
    try:
        cleaned = _clean(text)
        get_now = _lazy_now(now)
        candidates = [(kind, match) for kind, match in _candidates(cleaned) if not _is_bare_word(kind, match)]
        for want_absolute in (True, False):
            for kind, match in candidates:
                if (kind == "absolute") != want_absolute:
                    continue
                try:
                    return _interpret(kind, match, get_now)
                except DateParseError:
                    continue
    except (ValueError, OverflowError, TypeError):
        # A bad `now` is the caller's bug, but find_date promises not to raise.
        return None
    return None


# ---------------------------------------------------------------------------------------------------------
# Dates in article URLs. Each pattern is anchored on path separators so ids that merely contain digits
# (c_1125327450, content_711039) are not read as dates.

_URL_PATTERNS: list[re.Pattern[str]] = [
    # TRS CMS: /201206/t20120624_43188.html; the t-part has the day, the folder only the month.
    re.compile(r"/t(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})_[0-9]+"),
    # people.com.cn: /n1/2018/0504/c1004-123.html, /n2/…, /n/…
    re.compile(r"/n[0-9]?/(?P<y>[0-9]{4})/(?P<m>[0-9]{2})(?P<d>[0-9]{2})/"),
    # xinhua, cac, gov.cn: /2019-12/10/c_1125327450.htm, /2007-06/15/content_1.htm
    re.compile(r"/(?P<y>[0-9]{4})-(?P<m>[0-9]{2})/(?P<d>[0-9]{2})/"),
    # sina: /2019-11-25/doc-….shtml
    re.compile(r"/(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})/"),
    # zj.gov.cn /art/2016/11/22/art_…, cctv /2026/06/25/ARTI…
    re.compile(r"/(?P<y>[0-9]{4})/(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/"),
    # new xinhua /politics/leaders/20240509/<32 hex>/c.html, ifeng /a/20200911/…
    re.compile(r"/(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})/"),
]
# NetEase: money.163.com/15/0704/02/ATL7B8BA00253B0H.html (two-digit year, then MMDD, then the hour).
_NETEASE_URL = re.compile(r"^/(?P<y>[0-9]{2})/(?P<m>[0-9]{2})(?P<d>[0-9]{2})/[0-9]{2}/[0-9A-Z]{16}\.html$")


def _url_day(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_from_url(url: str) -> date | None:
    """The publication day an article URL encodes, or None when it has none (or only a month)."""
    try:
        parts = urlsplit(url)
    except (ValueError, TypeError):
        return None
    path = parts.path
    for pattern in _URL_PATTERNS:
        for match in pattern.finditer(path):
            found = _url_day(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            if found is not None:
                return found
    host = (parts.hostname or "").lower()
    if host == "163.com" or host.endswith(".163.com"):
        netease = _NETEASE_URL.match(path)
        if netease:
            return _url_day(2000 + int(netease.group("y")), int(netease.group("m")), int(netease.group("d")))
    return None


# ---------------------------------------------------------------------------------------------------------

_FUTURE_TOLERANCE = timedelta(days=1)
_URL_TOLERANCE_DAYS = 3


def check_plausible(published: datetime, *, url: str | None = None, now: datetime | None = None) -> list[str]:
    """Reasons to doubt a publication time; an empty list means it looks fine."""
    flags: list[str] = []
    published = _to_shanghai(published)
    current = _shanghai_now(now)
    # Differences in UTC: two datetimes sharing a tzinfo subtract as wall-clock times.
    ahead = published.astimezone(UTC) - current.astimezone(UTC)
    if ahead > _FUTURE_TOLERANCE:
        flags.append(
            f"in the future: {published.isoformat()} is {ahead} after now ({current.isoformat(timespec='seconds')})"
        )
    url_day = date_from_url(url) if url else None
    if url_day is not None:
        gap = abs((published.date() - url_day).days)
        if gap > _URL_TOLERANCE_DAYS:
            flags.append(
                f"far from the URL date {url_day.isoformat()}: "
                f"published {published.date().isoformat()}, {gap} days apart"
            )
    return flags


def from_epoch_ms(ms: int) -> ParsedDate:
    """A JavaScript/JSON epoch timestamp in milliseconds, as seen in site APIs."""
    try:
        # Integer arithmetic on a UTC anchor: no float rounding and no platform limits of fromtimestamp().
        value = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))).astimezone(SHANGHAI)
    except (OverflowError, ValueError, TypeError) as exc:
        raise DateParseError(f"epoch milliseconds out of range: {ms!r}") from exc
    return _check_year(ParsedDate(value.replace(microsecond=0), "second"))
