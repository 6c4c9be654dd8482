"""What kind of article: a speech in full, an excerpt, a report on a speech, a press conference, a policy
document, or plain news. Ordered rules; the first that fires decides, and its sentence is the evidence."""

from __future__ import annotations

import re
from collections.abc import Callable

from attribution.speakers import SpeakerFinding
from attribution.text import ArticleText
from ground.speech import Finding

# A document's own title ends with its type (…的决议, …管理办法), not with a closing 》 (news about it).
_DOCUMENT_TITLE = re.compile(
    r"(?:关于.{2,80}的|条例|办法|规定|细则|规则|纲要|规划|方案)(?:决议|决定|通知|意见|办法|规定|通告|公告|批复|函|令|"
    r"实施意见|指导意见|实施方案|行动计划|条例|细则|规则|纲要|规划|方案)$"
)
_DOCUMENT_BODY = re.compile(
    r"(?:^（.{0,40}(?:会议|常务委员会).{0,20}通过）$|特此通知|现予公布|现印发给你们|请认真贯彻执行|自.{2,20}起施行)"
)
_CONFERENCE = re.compile(r"新闻发布会|发布会|记者会|吹风会|答记者问|新闻发言人")
_TRANSCRIPT = re.compile(r"^(?:主持人|问|答|[^：:，,。]{0,12}记者)[：:]")
_FIRST_PERSON = re.compile(r"女士们、先生们|各位记者|我们|今天由我|下面，我")
_FULL_TEXT = re.compile(r"(?:以下|下面)(?:是|为)(?:讲话|发言|致辞|演讲|报告)?(?:全文|实录)|(?:讲话|发言|致辞|演讲)全文")
_EXCERPT = re.compile(r"摘编|摘要|节选|摘登|要点")
_SALUTATION = re.compile(r"^(?:同志们|尊敬的|各位|女士们|大家好)[^。]{0,60}[：:，,！!]")
_HEADLINE_SPEECH = re.compile(r"在.{2,60}(?:上|时)的(?:讲话|致辞|发言|演讲|报告|主旨演讲)")

Rule = Callable[[ArticleText, list[SpeakerFinding]], Finding | None]


def policy_document(article: ArticleText, speakers: list[SpeakerFinding]) -> Finding | None:
    """The title names a document (…关于…的决议) and the body has a document's formula (会议通过, 特此通知)."""
    if not _DOCUMENT_TITLE.search(article.title):
        return None
    for paragraph in article.paragraphs[:3] + article.paragraphs[-3:]:
        if _DOCUMENT_BODY.search(paragraph):
            return Finding("policy_document", paragraph, "kind:document title + formula")
    if "关于" in article.title and not speakers:
        return Finding("policy_document", article.title, "kind:document title")
    return None


# A document relayed as news: its issuing (印发《…通知》) in the lead, then its content under its short name.
_ISSUED = re.compile(r"(?:印发|发布|出台|下发)(?:了)?《(?P<title>[^》]{4,80}(?:通知|意见|办法|方案|规定|规划|决定))》")
_RESTATED = re.compile(r"《(?:通知|意见|办法|方案|规定|规划|决定)》(?:强调|要求|指出|明确|提出|规定|部署)")


def policy_relayed(article: ArticleText, speakers: list[SpeakerFinding]) -> Finding | None:
    """A news item that restates a document (X印发《关于…的通知》…《通知》强调…) and carries nobody's words."""
    if speakers:
        return None
    for paragraph in article.paragraphs[:2]:
        if _ISSUED.search(paragraph) and any(_RESTATED.search(p) for p in article.paragraphs):
            return Finding("policy_document", paragraph, "kind:document issued + restated")
    return None


def press_conference(article: ArticleText, speakers: list[SpeakerFinding]) -> Finding | None:
    """A conference named in the title or lead, and a transcript: turns (主持人：, 记者：) or a spokesperson
    speaking in the first person."""
    cue = next((s for s in (article.title, article.lead) if _CONFERENCE.search(s)), None)
    if cue is None:
        return None
    turns = [p for p in article.paragraphs if _TRANSCRIPT.match(p)]
    if turns:
        return Finding("press_conference", cue, "kind:conference + transcript turns")
    spoke_first_person = any(_FIRST_PERSON.search(p) for p in article.paragraphs[:6])
    presented = any(f.speaker.rule.startswith(("header:", "turn:")) for f in speakers)
    if presented and spoke_first_person:
        return Finding("press_conference", cue, "kind:conference + spokesperson's statement")
    return None


_SPEECH_NOUN = re.compile(r"讲话|发言|致辞|演讲|报告")
_DELIVERED = re.compile(
    r"(?:在|作)(?:主旨|重要|专题)?(?:讲话|致辞|发言|演讲|报告)(?:中|时)|并(?:发表)?(?:主旨|重要)?(?:讲话|致辞|发言|演讲)"
)


def speech_excerpt(article: ArticleText, speakers: list[SpeakerFinding]) -> Finding | None:
    """A speech given in part: 讲话摘编, （节选）, 以下为讲话摘要, or a closing note (本文根据…讲话摘编)."""
    closing = article.paragraphs[-1] if article.paragraphs else ""
    for text in (article.title, article.lead, closing):
        match = _EXCERPT.search(text)
        if not match:
            continue
        # The excerpt cue must be about a speech: in the same sentence, or in a headline that names one.
        sentence = next((s for s in re.split(r"[。！？]", text) if match.group() in s), text)
        if _SPEECH_NOUN.search(sentence) or _HEADLINE_SPEECH.search(article.title) or "讲话" in article.title:
            return Finding("speech_excerpt", text, "kind:excerpt cue")
    return None


def speech_full_text(article: ArticleText, speakers: list[SpeakerFinding]) -> Finding | None:
    """The speech itself: `X在…上的讲话`, `以下是发言全文`, or a body that opens with a salutation."""
    if _HEADLINE_SPEECH.search(article.title):
        return Finding("speech_full_text", article.title, "kind:headline X在…上的讲话")
    if match := _FULL_TEXT.search(article.lead):
        return Finding("speech_full_text", article.lead, f"kind:{match.group()}")
    opening = article.paragraphs[:2]
    if speakers and any(_SALUTATION.match(p) for p in opening):
        narrated = sum(f.evidence_count for f in speakers if f.speaker.rule.startswith("lead:"))
        if narrated <= 1:
            return Finding("speech_full_text", next(p for p in opening if _SALUTATION.match(p)), "kind:salutation")
    return None


def speech_report(article: ArticleText, speakers: list[SpeakerFinding]) -> Finding | None:
    """A report on what officials said: a speaker in the headline, or their words carried in at least three
    paragraphs or a third of them (one quoted official in a news story does not make it a speech report)."""
    if not speakers:
        return None
    for finding in speakers:
        name = finding.speaker.name
        if finding.speaker.rule.startswith("headline:") or (name and name in article.title):
            return Finding("speech_report", article.title, "kind:speaker in headline")
    paragraphs = set().union(*(f.paragraphs for f in speakers))
    substantial = [p for p in article.paragraphs if len(p) > 30]
    # The lead presents someone delivering a speech (在致辞中指出, 出席…并讲话) and carries their words.
    opening = [i for i, p in enumerate(article.paragraphs) if len(p) > 30][:2]
    names = [f.speaker.name for f in speakers if f.speaker.name]
    for index in opening:
        text = article.paragraphs[index]
        if _DELIVERED.search(text) and any(name in text for name in names):
            return Finding("speech_report", text, "kind:lead presents a speech")
    if len(paragraphs) >= 3 or (substantial and len(paragraphs) / len(substantial) >= 1 / 3):
        return Finding(
            "speech_report",
            article.paragraphs[min(paragraphs)],
            f"kind:words carried in {len(paragraphs)} of {len(substantial)} paragraphs",
        )
    return None


RULES: tuple[Rule, ...] = (
    policy_document,
    press_conference,
    speech_excerpt,
    speech_full_text,
    speech_report,
    policy_relayed,
)


def classify(article: ArticleText, speakers: list[SpeakerFinding]) -> Finding:
    for rule in RULES:
        finding = rule(article, speakers)
        if finding is not None:
            return finding
    return Finding("news", article.title, "kind:default")
