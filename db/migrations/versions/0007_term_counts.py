"""Trends at archive scale: each article's month as a column (indexed with its site), and curated-term counts per
article (article_terms, complete for the terms in indexed_terms), back-filled here.

The shipped vocabulary and the counting rule are frozen below as this revision used them: occurrences of each
spelling in title and body after NFKC and lower case, a spelling that begins or ends with a Latin letter or digit
only where the text does not go on with one (5g in 5g网络, not in 15g or 5gb), summed per canonical term. Terms
added to the vocabulary later are counted by `newsmon index-terms`, not here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 2000
SEPARATOR = "|"
# Canonical term -> its spellings as counted (normalised, a spelling that contains another left out), joined by
# SEPARATOR as indexed_terms lists them.
SPELLINGS = {
    "数字政府": "数字政府|数字化政府",
    "电子政务": "电子政务",
    "数字中国": "数字中国",
    "智慧政务": "智慧政务",
    "智慧城市": "智慧城市",
    "一网通办": "一网通办",
    "一网统管": "一网统管",
    "一网协同": "一网协同",
    "跨省通办": "跨省通办",
    "全程网办": "全程网办",
    "一件事一次办": "一件事一次办|高效办成一件事",
    "最多跑一次": "最多跑一次",
    "不见面审批": "不见面审批",
    "接诉即办": "接诉即办",
    "放管服": "放管服|简政放权、放管结合、优化服务",
    "优化营商环境": "优化营商环境",
    "互联网+政务服务": "互联网+政务服务|互联网加政务服务|“互联网+”政务服务",
    "一体化在线政务服务平台": "一体化在线政务服务平台|全国一体化政务服务平台",
    "政务服务平台": "政务服务平台",
    "政务服务": "政务服务",
    "政务数据共享": "政务数据共享|政务信息共享",
    "政务信息系统整合共享": "政务信息系统整合",
    "政务公开": "政务公开|政府信息公开",
    "政务新媒体": "政务新媒体",
    "政务云": "政务云",
    "数据要素": "数据要素",
    "数据资源": "数据资源",
    "公共数据开放": "公共数据开放|政府数据开放|数据开放共享",
    "数字经济": "数字经济",
    "数字化转型": "数字化转型",
    "数字基础设施": "数字基础设施|新型基础设施|新基建",
    "信息安全": "信息安全|网络安全",
    "网络强国": "网络强国",
    "电子证照": "电子证照",
    "电子签章": "电子签章|电子印章",
    "统一身份认证": "统一身份认证",
    "12345政务服务便民热线": "12345政务服务便民热线|12345热线",
    "政务服务好差评": "好差评",
    "营商环境": "营商环境",
    "数字治理": "数字治理|数字化治理",
    "治理能力现代化": "治理能力现代化",
    "信息化": "信息化",
    "工业互联网": "工业互联网",
    "5G": "5g|第五代移动通信",
    "人工智能": "人工智能",
    "大数据": "大数据",
    "云计算": "云计算",
    "区块链": "区块链",
}
_WORD_CHAR = re.compile("[a-z0-9]")

ARTICLES = sa.table(
    "articles",
    sa.column("id", sa.Integer()),
    sa.column("title", sa.Text()),
    sa.column("body", sa.Text()),
    sa.column("published_month", sa.String()),
    sa.column("site_id", sa.Integer()),
)


def normalise(text: str) -> str:
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def _edged(spelling: str) -> re.Pattern[str]:
    before = "(?<![a-z0-9])" if _WORD_CHAR.match(spelling[0]) else ""
    after = "(?![a-z0-9])" if _WORD_CHAR.match(spelling[-1]) else ""
    return re.compile(before + re.escape(spelling) + after)


class TermCounter:
    """Spellings without a Latin letter or digit at either end counted with str.count, the others by a regex that
    checks the ends."""

    def __init__(self, spellings: dict[str, list[str]]) -> None:
        self._plan: list[tuple[str, list[str], list[re.Pattern[str]]]] = []
        for term, forms in spellings.items():
            plain = [s for s in forms if s and not (_WORD_CHAR.match(s[0]) or _WORD_CHAR.match(s[-1]))]
            edged = [_edged(s) for s in forms if s and (_WORD_CHAR.match(s[0]) or _WORD_CHAR.match(s[-1]))]
            self._plan.append((term, plain, edged))

    def count(self, title: str, body: str) -> dict[str, int]:
        text = normalise(f"{title}\n{body}")
        counts = {}
        for term, plain, edged in self._plan:
            total = sum(text.count(s) for s in plain) + sum(len(p.findall(text)) for p in edged)
            if total:
                counts[term] = total
        return counts


def upgrade() -> None:
    op.add_column("articles", sa.Column("published_month", sa.String(length=7), nullable=True))
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(
            "UPDATE articles SET published_month = to_char(published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') "
            "WHERE published_at IS NOT NULL"
        )
    else:  # stored as UTC text; China has kept UTC+8 without daylight saving since 1991
        op.execute(
            "UPDATE articles SET published_month = strftime('%Y-%m', published_at, '+8 hours') "
            "WHERE published_at IS NOT NULL"
        )
    op.create_index("ix_articles_month_site", "articles", ["published_month", "site_id", "id"])
    terms = op.create_table(
        "article_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("published_month", sa.String(length=7), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "article_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_article_terms_article", "article_terms", ["article_id"])
    indexed = op.create_table(
        "indexed_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("spellings", sa.Text(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("term"),
    )
    assert terms is not None and indexed is not None
    # The shipped terms counted in every stored article (minutes per million articles), then listed.
    tally = TermCounter({term: joined.split(SEPARATOR) for term, joined in sorted(SPELLINGS.items())})
    after = 0
    while True:
        rows = connection.execute(
            sa.select(ARTICLES.c.id, ARTICLES.c.title, ARTICLES.c.body, ARTICLES.c.published_month, ARTICLES.c.site_id)
            .where(ARTICLES.c.id > after)
            .order_by(ARTICLES.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        batch = [
            {"term": term, "article_id": article_id, "occurrences": n, "published_month": month, "site_id": site_id}
            for article_id, title, body, month, site_id in rows
            for term, n in tally.count(title, body).items()
        ]
        if batch:
            connection.execute(sa.insert(terms), batch)
        after = rows[-1][0]
    now = datetime.now(UTC)  # stored as newsmon stores times: UTC, naive text on SQLite
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    connection.execute(
        sa.insert(indexed),
        [{"term": t, "spellings": s, "indexed_at": now} for t, s in sorted(SPELLINGS.items())],
    )


def downgrade() -> None:
    op.drop_table("indexed_terms")
    op.drop_table("article_terms")
    op.drop_index("ix_articles_month_site", table_name="articles")
    op.drop_column("articles", "published_month")
