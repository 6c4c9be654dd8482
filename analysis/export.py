"""Exports of search results (CSV, JSON Lines, Parquet) with a manifest beside each so a figure can be redone."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from analysis.search import check_filters
from db import search as db_search
from db.filters import Filters
from db.types import SHANGHAI
from ground.query import parse_query

if TYPE_CHECKING:
    from db.types import Reader

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet")
BATCH = 500
# Every stored field of an article (the raw page bytes stay in the database; its URL is here).
FIELDS = [
    "id",
    "url",
    "site",
    "site_name",
    "title",
    "published_at",
    "published_precision",
    "source",
    "authors",
    "editors",
    "body",
    "chars",
    "content_hash",
    "charset",
    "field_rules",
    "warnings",
    "first_seen_at",
    "last_seen_at",
    "kind",
    "speakers",
    "occasion",
    "place",
    "spoken_on",
    "cluster_id",
    "original_id",
]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_record(article: Any, site: Any, attribution: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every field of FIELDS; `attribution` is db.search.attribution_of's entry (speakers, reprint cluster)."""
    attribution = attribution or {"speakers": [], "cluster_id": None, "original_id": article.id}
    return {
        "id": article.id,
        "url": article.url,
        "site": site.domain,
        "site_name": site.name,
        "title": article.title,
        "published_at": _iso(article.published_at),
        "published_precision": article.published_precision,
        "source": article.source,
        "authors": article.authors,
        "editors": article.editors,
        "body": article.body,
        "chars": len(article.body),
        "content_hash": article.content_hash,
        "charset": article.charset,
        "field_rules": article.field_rules,
        "warnings": article.warnings,
        "first_seen_at": _iso(article.first_seen_at),
        "last_seen_at": _iso(article.last_seen_at),
        "kind": article.kind,
        "speakers": attribution["speakers"],
        "occasion": article.occasion,
        "place": article.place,
        "spoken_on": article.spoken_on.isoformat() if article.spoken_on else None,
        # The speech's cluster (None: matched with nothing yet) and its original (the article itself when alone).
        "cluster_id": attribution["cluster_id"],
        "original_id": attribution["original_id"],
    }


def _batch(session: Reader, ids: list[int]) -> list[dict[str, Any]]:
    attribution = db_search.attribution_of(session, ids)
    return [export_record(a, s, attribution[a.id]) for a, s in db_search.iter_articles(session, ids)]


def format_for(out: Path, fmt: str | None = None) -> str:
    """The format asked for, else the one the file's extension names (.csv, .jsonl, .parquet), else CSV."""
    if fmt is not None:
        return fmt
    suffix = out.suffix.lower().lstrip(".")
    return {"json": "jsonl", "ndjson": "jsonl"}.get(suffix, suffix) if suffix in (*FORMATS, "json", "ndjson") else "csv"


def require_format(fmt: str) -> None:
    """A format this install can write; Parquet needs the optional pyarrow (RuntimeError naming the extra)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as error:
            raise RuntimeError("Parquet exports need pyarrow: pip install 'newsmon[analysis]'") from error


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def export(
    session: Reader,
    query_text: str,
    out: Path,
    *,
    fmt: Format = "csv",
    filters: Filters | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Write every article matching the query (best first) to `out`, and `out`.manifest.json beside it.

    Returns the manifest: query, filters, format, when, row count, database revision and URL (no password).
    """
    filters = check_filters(session, filters or Filters())
    require_format(fmt)
    node = parse_query(query_text)
    ids = db_search.matching_ids(session, node, filters)
    out.parent.mkdir(parents=True, exist_ok=True)
    batches = (_batch(session, ids[i : i + BATCH]) for i in range(0, len(ids), BATCH))
    rows = {"csv": _write_csv, "jsonl": _write_jsonl, "parquet": _write_parquet}[fmt](out, batches)
    manifest = {
        "file": out.name,
        "format": fmt,
        "query": query_text,
        "filters": filters.to_json(),
        "rows": rows,
        "fields": FIELDS,
        "exported_at": datetime.now(SHANGHAI).isoformat(),
        "database": database_url,
        "database_revision": db_search.schema_revision(session),
        "order": "relevance, then newest",
    }
    manifest_path(out).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


# A spreadsheet runs a cell starting with one of these as a formula: such text cells are written with a leading '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell: lists and dicts as JSON, text that a spreadsheet would run as a formula escaped."""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: list[dict[str, Any]], columns: list[str], *, bom: bool = True) -> str:
    """Rows as CSV text, cells made safe; a download starts with a UTF-8 BOM (Excel then reads Chinese right),
    a terminal's output (bom=False) does not."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: safe_cell(row.get(k)) for k in columns} for row in rows)
    return buffer.getvalue()


def _write_csv(out: Path, batches: Any) -> int:
    rows = 0
    # utf-8-sig: Excel, which many analysts open CSVs in, reads Chinese correctly only with the BOM.
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        for batch in batches:
            writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in batch)
            rows += len(batch)
    return rows


def _write_jsonl(out: Path, batches: Any) -> int:
    rows = 0
    with out.open("w", encoding="utf-8") as handle:
        for batch in batches:
            for row in batch:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            rows += len(batch)
    return rows


def _write_parquet(out: Path, batches: Any) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    listed = pa.list_(pa.string())
    schema = pa.schema(
        [
            ("id", pa.int64()),
            *[(name, pa.string()) for name in ("url", "site", "site_name", "title", "published_at")],
            *[(name, pa.string()) for name in ("published_precision", "source")],
            ("authors", listed),
            ("editors", listed),
            ("body", pa.string()),
            ("chars", pa.int64()),
            *[(name, pa.string()) for name in ("content_hash", "charset", "field_rules")],
            ("warnings", listed),
            ("first_seen_at", pa.string()),
            ("last_seen_at", pa.string()),
            ("kind", pa.string()),
            ("speakers", pa.list_(pa.struct([("name", pa.string()), ("role", pa.string()), ("org", pa.string())]))),
            *[(name, pa.string()) for name in ("occasion", "place", "spoken_on")],
            ("cluster_id", pa.int64()),
            ("original_id", pa.int64()),
        ]
    )
    rows = 0
    with pq.ParquetWriter(out, schema) as writer:
        for batch in batches:
            for row in batch:
                row["field_rules"] = json.dumps(row["field_rules"], ensure_ascii=False)
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            rows += len(batch)
        if rows == 0:
            writer.write_table(schema.empty_table())
    return rows
