"""Synthetic news texts written by the project: everyday government-news words plus the domain vocabulary.

Shared by the benchmarks' generated articles (bench/generate.py) and the scaled mirror (mirror/scaled.py).
"""

from __future__ import annotations

import random
from functools import cache

# Everyday words of government news, written for newsmon; the domain terms come from data/terms/.
COMMON = (  # noqa: SIM905 (a word list reads best as text)
    "推进 加快 深化 建设 发展 改革 创新 服务 管理 工作 部门 地方 企业 群众 社会 经济 国家 政府 会议 要求 "
    "落实 提升 完善 加强 坚持 实现 推动 全面 重要 能力 体系 机制 水平 质量 领域 项目 平台 数据 信息 技术 "
    "应用 安全 治理 政策 制度 标准 规划 目标 任务 举措 成效 经验 问题 基层 群众 办事 审批 事项 环节 流程 "
    "效率 便利 协同 共享 开放 融合 支撑 保障 统筹 部署 召开 指出 强调 表示 介绍 今年 以来 同时 进一步 持续 "
    "不断 积极 有效 重点 关键 基础 核心 主要 相关 各级 有关 全省 全市 全国 中央 国务院 工信部 "
).split()


@cache
def domain_terms() -> tuple[str, ...]:
    """The domain vocabulary (data/terms/), sorted so that generated texts do not depend on set order."""
    from analysis.vocabulary import load_vocabulary

    return tuple(sorted(load_vocabulary().terms))


def term_weights(terms: tuple[str, ...], year: int) -> list[float]:
    """Each term has a peak year: its frequency rises towards it and falls after, as formulations do."""
    return [max(0.05, 1.0 - abs(year - (2015 + (index * 7) % 11)) / 6) for index in range(len(terms))]


def synthetic_text(rng: random.Random, year: int) -> tuple[str, list[str]]:
    """A title and the sentences of one article of 600–4,000 characters (median about 2,000) from `year`.

    An article takes up a few formulations (0–3, weighted by how current each is that year) and repeats them;
    so each term is in a few per cent of articles, as in real news, not in every one.
    """
    terms = domain_terms()
    topics = rng.choices(terms, term_weights(terms, year), k=rng.choice((0, 1, 1, 2, 3)))
    length = int(min(4000, max(600, rng.lognormvariate(7.6, 0.4))))
    sentences: list[str] = []
    size = 0
    while size < length:
        words = rng.choices(COMMON, k=rng.randint(6, 14))
        if topics and rng.random() < 0.15:
            words.insert(rng.randrange(len(words) + 1), rng.choice(topics))
        sentence = "".join(words) + rng.choice("。。，；")
        sentences.append(sentence)
        size += len(sentence)
    headline = topics[0] if topics else rng.choice(COMMON)
    title = f"{rng.choice(COMMON)}{headline}{rng.choice(COMMON)}{rng.choice(COMMON)}"
    return title, sentences
