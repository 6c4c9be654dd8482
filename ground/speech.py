"""The attribution result: what kind of article, who spoke in which role, where and when, and the evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# The one list of kinds, shared with db/ and the CLI (re-exported: attribution names them too).
from ground.kinds import KINDS as KINDS


@dataclass
class Speaker:
    """An official whose words the article carries, with the post as the text gives it. An official the text
    does not name (国家发展改革委有关负责人) has no name: the post and the body say who it is."""

    name: str | None
    role: str | None = None
    # The body the post belongs to, registered abbreviations expanded
    # (工信部信软司 → 工业和信息化部信息化和软件服务业司).
    org: str | None = None
    # The same body as the text writes it, kept so analysts can see what the normalisation started from.
    org_as_written: str | None = None
    # The sentence the speaker (and the post) was taken from, and the rule that took it.
    evidence: str = ""
    rule: str = ""

    @property
    def label(self) -> str:
        """How the speaker is listed: the name, or the body and the post of an unnamed official."""
        return self.name or f"{self.org_as_written or self.org or ''}{self.role or ''}"


@dataclass
class Finding:
    """One attributed value (kind, occasion, place, spoken_on) with the sentence it came from."""

    value: str
    evidence: str
    rule: str


@dataclass
class Attribution:
    """Everything attribution says about one article; `None` where the text does not say."""

    kind: str = "news"
    speakers: list[Speaker] = field(default_factory=list)
    occasion: str | None = None
    place: str | None = None
    spoken_on: date | None = None
    # field -> Finding: the evidence sentence and rule of kind, occasion, place and spoken_on.
    evidence: dict[str, Finding] = field(default_factory=dict)

    @property
    def speaker_names(self) -> list[str]:
        """Every speaker as listed (an unnamed official by body and post)."""
        return [s.label for s in self.speakers]

    def evidence_json(self) -> dict[str, dict[str, str]]:
        return {name: asdict(finding) for name, finding in self.evidence.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "speakers": [asdict(s) for s in self.speakers],
            "occasion": self.occasion,
            "place": self.place,
            "spoken_on": self.spoken_on.isoformat() if self.spoken_on else None,
            "evidence": self.evidence_json(),
        }
