"""Posts (职务) and role-before-name chains: 工信部信软司司长谢少锋 → org 工信部信软司, role 司长, name 谢少锋."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Posts of officials (government, party, legislature, courts, public bodies, industry associations), incl.
# foreign heads of state and government. Longest match wins, so 副局长 is read before 局长.
POSTS = frozenset(
    [
        "总书记",
        "国家主席",
        "国家副主席",
        "政治局常委",
        "政治局委员",
        "中央委员",
        "总理",
        "副总理",
        "国务委员",
        "委员长",
        "副委员长",
        "主席",
        "副主席",
        "书记",
        "副书记",
        "党组书记",
        "党组副书记",
        "党委书记",
        "党委副书记",
        "党组成员",
        "常委",
        "部长",
        "副部长",
        "部长助理",
        "司长",
        "副司长",
        "局长",
        "副局长",
        "局长助理",
        "厅长",
        "副厅长",
        "处长",
        "副处长",
        "主任",
        "副主任",
        "常务副主任",
        "省长",
        "副省长",
        "常务副省长",
        "市长",
        "副市长",
        "常务副市长",
        "县长",
        "副县长",
        "区长",
        "副区长",
        "州长",
        "副州长",
        "镇长",
        "乡长",
        "秘书长",
        "副秘书长",
        "新闻发言人",
        "发言人",
        "署长",
        "副署长",
        "行长",
        "副行长",
        "院长",
        "副院长",
        "检察长",
        "副检察长",
        "主任委员",
        "副主任委员",
        "总经济师",
        "总工程师",
        "总会计师",
        "总规划师",
        "巡视员",
        "副巡视员",
        "一级巡视员",
        "二级巡视员",
        "督察长",
        "会长",
        "副会长",
        "理事长",
        "副理事长",
        "总统",
        "副总统",
        "首相",
        "议长",
        "副议长",
        "参议员",
        "众议员",
        "多数党领袖",
        "少数党领袖",
        "国务卿",
        "防长",
        "外长",
        "外交部长",
        "大使",
        "特使",
        "司令员",
        "政委",
        "参赞",
        "总领事",
        "组长",
        "副组长",
        "总指挥",
        "副总指挥",
        "专员",
        "台长",
        "社长",
        "总编辑",
        "主委",
        "副主委",
        # Heads of enterprises and institutes who speak at forums and summits: industry speakers.
        "董事长",
        "副董事长",
        "总经理",
        "副总经理",
        "总裁",
        "副总裁",
        "首席执行官",
        "所长",
        "副所长",
    ]
)
# Titles that name a person but not an official: their words do not make a speaker (钟南山院士说 …).
NON_OFFICIAL = frozenset(
    [
        "院士",
        "教授",
        "副教授",
        "研究员",
        "专家",
        "学者",
        "经理",
        "创始人",
        "记者",
        "编辑",
        "责任编辑",
        "主持人",
        "通讯员",
        "评论员",
        "负责人",
        "工作人员",
        "志愿者",
        "医生",
        "护士",
        "律师",
        "作家",
        "演员",
        "运动员",
        "教练",
        "村民",
        "市民",
        "网友",
        "居民",
        "董秘",
    ]
)
_POSTS_LONGEST = sorted(POSTS, key=len, reverse=True)

# Party committees of a place: 河南省委副书记、省长 keeps 省委 in the role and makes the province the org.
_PLACE_PARTY_COMMITTEE = re.compile(r"^(?P<place>.+?)(?P<level>省|市|县|区|州|自治区)?(?P<committee>委|党委)$")


_TOP_LEVEL = re.compile(r"^(?:中共|中央|国务院|国家|全国|中国)|[省市县区州]")


def _is_department(org: str) -> bool:
    """A department named without its parent body (运行监测协调局), not a body of its own (国务院, 郑州市委)."""
    return not _TOP_LEVEL.search(org)


def post_ending(text: str) -> str | None:
    """The post text ends with (longest first), or None."""
    for post in _POSTS_LONGEST:
        if text.endswith(post):
            return post
    return None


def _deputy(org: str, post: str) -> tuple[str, str]:
    for prefix in ("常务副", "副"):
        if org.endswith(prefix):
            return org[: -len(prefix)], prefix + post
    return org, post


@dataclass(frozen=True)
class Title:
    """A role-before-name chain split into the post(s) and the body."""

    chain: str
    role: str
    org: str | None


def split_chain(chain: str) -> Title | None:
    """Split 工信部信软司司长 → (司长, 工信部信软司); 河南省委副书记、省长 → (省委副书记、省长, 河南省);
    中共中央政治局常委、国务院总理 → (the whole chain, no org: the posts belong to different bodies)."""
    parts = [p for p in re.split(r"[、，,]", chain) if p]
    if not parts:
        return None
    split: list[tuple[str, str]] = []
    for part in parts:
        post = post_ending(part)
        if post is None:
            return None
        split.append((part[: -len(post)], post))
    # A deputy's 副 (常务副) written before a post the list has only in its plain form stays with the post.
    split = [_deputy(org, post) for org, post in split]
    orgs = [org for org, _ in split if org]
    if len(parts) == 1:
        org, post = split[0]
        committee = _PLACE_PARTY_COMMITTEE.match(org) if org else None
        if committee and committee.group("level"):
            # 江东省委书记: the 省委 is part of the post, the province is the body.
            place = committee.group("place")
            return Title(chain, chain[len(place) :], place + committee.group("level"))
        return Title(chain, chain[len(org) :] if org and chain.startswith(org) else post, org or None)
    first = split[0][0]
    if len(set(orgs)) > 1 and first and all(_is_department(org) for org, _ in split[1:] if org and org != first):
        # 工业和信息化部新闻发言人、运行监测协调局局长: the later posts are in departments of the first body
        return Title(chain, chain[len(first) :], first)
    if len(set(orgs)) != 1:
        return Title(chain, chain, None)
    org = orgs[0]
    role = chain[len(org) :] if chain.startswith(org) else chain
    committee = _PLACE_PARTY_COMMITTEE.match(org)
    if committee and chain.startswith(org) and (committee.group("level") or committee.group("committee") == "党委"):
        place = committee.group("place")
        return Title(chain, chain[len(place) :], place + (committee.group("level") or ""))
    return Title(chain, role, org)
