"""Synthetic articles for benchmarks: realistic lengths, ten years of dates, domain terms rising and falling."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from analysis.vocabulary import load_vocabulary
from crawler.extraction.record import Extracted
from db.types import SHANGHAI

# Everyday words of government news, written for newsmon; the domain terms come from data/terms/.
COMMON = (  # noqa: SIM905 (a word list reads best as text)
    "推进 加快 深化 建设 发展 改革 创新 服务 管理 工作 部门 地方 企业 群众 社会 经济 国家 政府 会议 要求 "
    "落实 提升 完善 加强 坚持 实现 推动 全面 重要 能力 体系 机制 水平 质量 领域 项目 平台 数据 信息 技术 "
    "应用 安全 治理 政策 制度 标准 规划 目标 任务 举措 成效 经验 问题 基层 群众 办事 审批 事项 环节 流程 "
    "效率 便利 协同 共享 开放 融合 支撑 保障 统筹 部署 召开 指出 强调 表示 介绍 今年 以来 同时 进一步 持续 "
    "不断 积极 有效 重点 关键 基础 核心 主要 相关 各级 有关 全省 全市 全国 中央 国务院 工信部 "
).split()


def _weights(terms: list[str], year: int, rng: random.Random) -> list[float]:
    """Each term has a peak year: its frequency rises towards it and falls after, as formulations do."""
    weights = []
    for index, _term in enumerate(terms):
        peak = 2015 + (index * 7) % 11
        weights.append(max(0.05, 1.0 - abs(year - peak) / 6))
    return weights


def synthetic_articles(count: int, *, seed: int = 8, start_year: int = 2015, years: int = 10) -> Iterator[Extracted]:
    """`count` articles of 600–4,000 characters (median about 2,000) spread over `years` years."""
    rng = random.Random(seed)
    terms = sorted(load_vocabulary().terms)
    start = datetime(start_year, 1, 1, 8, tzinfo=SHANGHAI)
    span = timedelta(days=365 * years)
    sites = ["people.com.cn", "news.cn", "gov.cn", "miit.gov.cn", "e-gov.org.cn", "cac.gov.cn"]
    sources = ["人民网", "新华社", "中国政府网", "工业和信息化部", "中国电子政务网", "中国网信网"]
    for number in range(count):
        published = start + span * (number / max(count, 1)) + timedelta(minutes=rng.randrange(0, 600))
        weights = _weights(terms, published.year, rng)
        # An article takes up a few formulations (0–3, weighted by how current each is that year) and repeats
        # them; so each term is in a few per cent of articles, as in real news, not in every one.
        topics = rng.choices(terms, weights, k=rng.choice((0, 1, 1, 2, 3)))
        length = int(min(4000, max(600, rng.lognormvariate(7.6, 0.4))))
        sentences, size = [], 0
        while size < length:
            words = rng.choices(COMMON, k=rng.randint(6, 14))
            if topics and rng.random() < 0.15:
                words.insert(rng.randrange(len(words) + 1), rng.choice(topics))
            sentence = "".join(words) + rng.choice("。。，；")
            sentences.append(sentence)
            size += len(sentence)
        body = "".join(sentences)
        body = "\n".join(body[i : i + 200] for i in range(0, len(body), 200))
        site = number % len(sites)
        headline = topics[0] if topics else rng.choice(COMMON)
        yield Extracted(
            url=f"http://bench.{sites[site]}/{published:%Y%m%d}/{number}.html",
            site=sites[site],
            charset="utf-8",
            title=f"{rng.choice(COMMON)}{headline}{rng.choice(COMMON)}{rng.choice(COMMON)}",
            published_at=published,
            published_precision="minute",
            source=sources[site],
            authors=[],
            editors=[],
            body=body,
            rules={},
        )
