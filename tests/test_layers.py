"""The layers of the code, lowest first: each may import the layers below it, never one above, and no import
cycle joins two modules. docs/architecture.md draws the same picture; this test walks the real imports."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from grimp import Layer

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "ground",
    "db",
    "extraction",
    "attribution",
    "analysis",
    "pipelines",
    "spiders",
    "crawler",
    "mirror",
    "evaluation",
    "web",
    "cli",
)

# Lowest first. Modules of one layer in one Layer(...) must not import each other when `independent`.
LAYERS = (
    # CLI: a leaf nothing imports.
    Layer("cli"),
    # The dashboard.
    Layer("web"),
    # Scores against gold, and the scheduler that starts crawls.
    Layer("evaluation", "scheduler", independent=False),
    # Running and watching crawls: the run recorder, site jobs, monitors, alerts, distributed crawls.
    Layer("crawler.run", "crawler.catalog", independent=False),
    Layer("crawler.recorder", "crawler.monitors", "crawler.distributed", "crawler.jobs", independent=False),
    Layer("crawler.alerts"),
    # The spiders, then the write path every article takes.
    Layer("spiders"),
    Layer("pipelines", "crawler.database", independent=False),
    # What a spider hands over (items, its ledger, page checks), the Scrapy plumbing, the demo mirror.
    Layer(
        "crawler.items", "crawler.ledger", "crawler.page_checks", "crawler.middlewares", "crawler.settings", "mirror"
    ),
    # Analysis over stored articles: search, trends, reprint matching, watches.
    Layer("analysis"),
    # Who spoke, read off an extracted article.
    Layer("attribution"),
    # The domain (pure: a page's bytes → fields) and storage, side by side, not importing each other.
    Layer("db", "extraction"),
    # The words every layer shares.
    Layer("ground"),
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    import sys

    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    # scheduler.py is a module, not a package (grimp builds graphs of packages): its import statements, read
    # line by line (the lazy ones inside functions included), are added to the graph.
    graph.add_module("scheduler")
    for line in (ROOT / "scheduler.py").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("from", "import") and words[1].split(".")[0] in PACKAGES:
            graph.add_import(importer="scheduler", imported=words[1], line_number=0, line_contents=line)
    return graph


def test_no_import_runs_from_a_lower_layer_to_a_higher_one(graph: grimp.ImportGraph) -> None:
    illegal = graph.find_illegal_dependencies_for_layers(layers=LAYERS)
    shown = [f"{route.heads} → {route.middle} → {route.tails}" for dependency in illegal for route in dependency.routes]
    assert not illegal, "imports against the layers:\n" + "\n".join(sorted(shown))


def test_the_domain_never_touches_storage(graph: grimp.ImportGraph) -> None:
    for domain in ("extraction", "attribution"):
        assert not graph.chain_exists(importer=domain, imported="db", as_packages=True), domain


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = _cycles({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(sorted(c)) for c in cycles)


def test_nothing_imports_the_cli(graph: grimp.ImportGraph) -> None:
    outside = {m for m in graph.find_modules_that_directly_import("cli.app") if not m.startswith("cli.")}
    assert not outside


def _cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found
