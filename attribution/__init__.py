"""Speech attribution: whether an article carries an official's words, whose, in which role, where and when."""

from __future__ import annotations

from attribution.kind import classify
from attribution.occasion import find_where_when, lead_index
from attribution.speakers import find_speakers
from attribution.text import ArticleText
from ground.article import Extracted
from ground.bodies import Registry, default_registry
from ground.speech import KINDS, Attribution, Finding, Speaker

__all__ = ["KINDS", "ArticleText", "Attribution", "Finding", "Speaker", "attribute", "attribute_record"]


def attribute(article: ArticleText, registry: Registry | None = None) -> Attribution:
    """Attribute one article; pure (no database): the store resolves speakers to registry rows."""
    registry = registry or default_registry()
    findings = find_speakers(article, registry)
    kind = classify(article, findings)
    # A policy document is nobody's speech: people it mentions (金人庆 explained the motion) are not speakers.
    # Inside a speech, people the speaker cites (习近平总书记…指出) are not speakers either: only those the
    # headline or the lead presents are.
    if kind.value == "policy_document":
        findings = []
    elif kind.value in ("speech_full_text", "speech_excerpt"):
        lead = lead_index(article)
        findings = [
            f for f in findings if f.speaker.rule.startswith("headline:") or min(f.paragraphs, default=0) <= lead
        ]
    speakers = [f.speaker for f in findings]
    where = find_where_when(article, kind.value)
    result = Attribution(kind=kind.value, speakers=speakers, evidence={"kind": kind})
    if where.occasion:
        result.occasion = where.occasion.value
        result.evidence["occasion"] = where.occasion
    if where.place:
        result.place = where.place.value
        result.evidence["place"] = where.place
    if where.spoken_on and kind.value != "policy_document":
        result.spoken_on = where.spoken_on[0]
        result.evidence["spoken_on"] = where.spoken_on[1]
    return result


def attribute_record(record: Extracted, registry: Registry | None = None) -> Attribution:
    """Attribute an extraction record (a crawled page or a plain-text import)."""
    article = ArticleText(
        title=record.title or "",
        paragraphs=record.paragraphs,
        published_at=record.published_at,
        authors=list(record.authors),
        editors=list(record.editors),
    )
    return attribute(article, registry)
