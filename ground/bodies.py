"""The curated registry of bodies (data/registry/*.toml): canonical names, aliases and abbreviations."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REGISTRY_DIR = Path(__file__).resolve().parents[1] / "data" / "registry"


@dataclass(frozen=True)
class Organisation:
    """A body as the registry knows it: its canonical name, other names, and the body it belongs to."""

    name: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    kind: str | None = None


@dataclass
class Registry:
    """Organisations by every name they go by; department aliases are looked up under their parent."""

    organisations: list[Organisation] = field(default_factory=list)
    # alias or name -> organisation, for bodies without a parent
    top: dict[str, Organisation] = field(default_factory=dict)
    # (parent canonical name, alias or name) -> organisation
    children: dict[tuple[str, str], Organisation] = field(default_factory=dict)

    def add(self, organisation: Organisation) -> None:
        self.organisations.append(organisation)
        for key in (organisation.name, *organisation.aliases):
            if organisation.parent:
                self.children[(organisation.parent, key)] = organisation
            else:
                self.top[key] = organisation

    def words(self) -> set[str]:
        """Every name and alias: the domain dictionary of the name tokenizer."""
        return set(self.top) | {alias for _, alias in self.children}

    def resolve(self, text: str) -> Organisation | None:
        """The registered body a whole org string names (工信部信软司 → the 信软司 of 工业和信息化部), or None."""
        prefix, rest = self._longest_top(text)
        if prefix is None:
            return None
        if not rest:
            return prefix
        child = self.children.get((prefix.name, rest))
        return child

    def normalise(self, text: str) -> str:
        """The org string with registered names expanded: a known body, or a known body plus an unknown rest
        (工信部电子信息司 → 工业和信息化部电子信息司). Text that starts with no registered name is kept as written,
        since expanding a word inside a provincial body's name (河南省发展改革委) would invent a different body."""
        prefix, rest = self._longest_top(text)
        if prefix is None:
            return text
        child = self.children.get((prefix.name, rest)) if rest else None
        if child is not None:
            return prefix.name + child.name
        return prefix.name + rest

    def _longest_top(self, text: str) -> tuple[Organisation | None, str]:
        for end in range(len(text), 1, -1):
            found = self.top.get(text[:end])
            if found is not None:
                return found, text[end:]
        return None, text


def load_registry(directory: Path = REGISTRY_DIR) -> Registry:
    """Read every *.toml of the registry directory (one `[[organisation]]` table per body)."""
    registry = Registry()
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for entry in data.get("organisation", []):
            registry.add(
                Organisation(
                    name=entry["name"],
                    aliases=tuple(entry.get("aliases", [])),
                    parent=entry.get("parent"),
                    kind=entry.get("kind"),
                )
            )
    return registry


@cache
def default_registry() -> Registry:
    return load_registry()
