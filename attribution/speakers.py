"""Who spoke: people named with their posts, then the rules that say their words are carried.

Each rule is a small named function over the article's sentences; none knows any one article.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from attribution.names import name_at, plausible_name, standalone_name, tokens
from attribution.roles import _POSTS_LONGEST, NON_OFFICIAL, POSTS, post_ending, split_chain
from attribution.text import ArticleText, Sentence
from ground.bodies import Registry
from ground.speech import Speaker

SPEECH_VERBS = (
    "表示|说道|说|指出|强调|介绍|透露|称|认为|坦言|提出|提到|谈到|要求|希望|呼吁|提醒|宣布|回应|回答|解释|建议|直言|"
    "重申|分析|补充|表态|告诉记者|向记者介绍|向记者表示|答记者问|分享|谈到|说明|阐述|解读"
)
# Verbs of telling whose object is what was told (分享了…的实践, 介绍了…情况).
_TOLD = "分享|介绍|谈到|阐述|解读|通报|说明"
# A clause a speaker's words follow: NAME, an adverbial without punctuation (8日在接受…采访时), the verb, then
# the words (after a comma or colon) or the end of the sentence (“…。”周海清向记者介绍。).
_SPEECH = re.compile(
    rf"^(?P<adverbial>[^，,。！？；;：:“”\"]{{0,40}}?)(?:(?:{SPEECH_VERBS})(?:[，,：:。]|$|要|将|，?“)|(?:{_TOLD})了)"
    # the words quoted after a colon, the clause before it saying how they were said (信心满满：“…”)
    r"|^[^，,。！？；;：:“”\"]{0,8}[：:]“"
)
# The lead sentence of a speech: 出席论坛并作主旨发言, 出席会议并讲话, 在开幕式上致辞.
_DELIVERS = re.compile(
    r"^[^。！？；;]{0,60}?(?:并|时|上)(?:发表)?(?:作|做)?(?:了)?(?:主旨|重要|专题|书面)?(?:讲话|致辞|发言|演讲|报告|解读)"
)
# A transcript turn: 方启航：谢谢主持人。 主持人 谭韵： 发布人 蓝海峰：
_TURN = re.compile(r"^(?:(?:主持人|发布人|发言人|答)\s*)?(?P<who>[^：:，,。\s]{2,12})[：:]")
# Chain characters: a post chain is made of these tokens; anything else (a verb, a preposition, a number) ends it.
_CHAIN_TAGS = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "j", "b", "vn", "zg", "l", "post", "an", "eng", "s")
_ENTERPRISE = re.compile(r"^(?:[^、]{0,12})(?:公司|集团|股份|科技|研究院|研究所|协会|学会|联盟|大学|学院|银行|中心)")
# Word classes that never sit inside an enterprise's name: time, locality, adverb, preposition, conjunction,
# pronoun, auxiliary, numeral, quantifier, modal particle.
_NOT_NAME_TAGS = ("t", "f", "d", "p", "c", "r", "u", "m", "q", "y")
_ENTERPRISE_NAME = re.compile(r"^[^、]{0,12}?(?:有限公司|股份公司|集团)")
# Prepositions, particles and verbs that end an enterprise's name read backwards from its post.
_NOT_IN_A_NAME = frozenset(
    [
        *("在", "从", "于", "由", "和", "与", "及", "的", "是", "为", "对", "向", "据", "了", "说"),
        *("表示", "担任", "任", "任职", "刚", "将", "已", "也", "都", "还", "即", "称", "其中", "其"),
    ]
)
_ORG_SUFFIX = re.compile(r"[厅局部委办署院会司处室所中心组团队行府]$")
_CHAIN_STOP = set('，,。！？；;：:“”"（）()《》[]【】 \u3000\t')


@dataclass
class Mention:
    """A person named after a post: 安徽省司法厅厅长孙建新."""

    name: str
    role: str | None
    org: str | None
    official: bool
    sentence: Sentence
    start: int  # offset of the name inside the sentence


def _chain_before(text: str, end: int) -> str:
    """The role chain that ends at text[end] (the name's start): posts and bodies back to the first verb,
    preposition, number or punctuation mark. Posts joined by 、 stay one chain (省委副书记、省长)."""
    start = end
    while start > 0 and text[start - 1] not in _CHAIN_STOP:
        start -= 1
    segment = text[start:end]
    pieces = tokens(segment)
    kept: list[str] = []
    kept_place = False
    consumed = len(segment)
    for word, tag in reversed(pieces):
        consumed -= len(word)
        if word == "、":
            if post_ending(segment[:consumed]):
                kept.insert(0, word)
                continue
            break
        # 驻 joins a mission to its host (中国驻圣保罗总领馆); 中国驻… is one body.
        if kept_place and _ENTERPRISE_NAME.search("".join(kept)):
            break  # 浙江 opens the enterprise's name: what comes before it (记者了解到, 据介绍) is not part of it
        if tag.startswith(_CHAIN_TAGS) or _ORG_SUFFIX.search(word) or word in POSTS or (word == "驻" and kept):
            kept_place = kept_place or tag.startswith("ns")
            # another person's name (方启航 数据资源司司长唐宁) ends the chain; inside an enterprise's name a
            # word jieba takes for a name (北原/云图/科技股份有限公司) does not
            if tag.startswith("nr") and plausible_name(word) and kept and not _ENTERPRISE.search("".join(kept)):
                break
            kept.insert(0, word)
            continue
        # An enterprise's own name may hold any word (添可智能科技有限公司, 浙江创新激光设备有限公司): up to a
        # preposition or a particle, it is part of the body.
        if (
            kept
            and _ENTERPRISE_NAME.search("".join(kept))
            and word not in _NOT_IN_A_NAME
            and not tag.startswith(_NOT_NAME_TAGS)
            and not kept_place
            and re.fullmatch(r"[\u4e00-\u9fff]+", word)
        ):
            kept.insert(0, word)
            continue
        break
    chain = "".join(kept).lstrip("、")
    # a 、 only joins posts: drop a leading part that is not a post chain (马兴瑞、)
    while "、" in chain and not all(post_ending(part) for part in chain.split("、")[:-1]):
        chain = chain.split("、", 1)[1]
    return chain


def find_mentions(article: ArticleText) -> list[Mention]:
    """Every name that follows a post (or a non-official title such as 院士, which marks a non-official)."""
    found: list[Mention] = []
    for sentence in article.sentences():
        text = sentence.text
        for match in _TITLES.finditer(text):
            start = match.end()
            while start < len(text) and text[start] in " \u3000":
                start += 1
            name = name_at(text, start)
            if name is None:
                continue
            title_word = match.group()
            if title_word in NON_OFFICIAL:
                found.append(Mention(name, title_word, None, False, sentence, start))
                continue
            longest = next(p for p in _POSTS_LONGEST if text[: match.end()].endswith(p))
            chain = _chain_before(text, match.end() - len(longest)) + longest
            title = split_chain(chain)
            role, org = (title.role, title.org) if title else (longest, None)
            found.append(Mention(name, role, org, True, sentence, start))
        # 习近平总书记指出, 李强总理表示: an official's post after the name (the post is the role, no body)
        for match in _POST_AFTER_NAME.finditer(text):
            candidate = _name_before(text, match.start())
            if candidate and not any(m.name == candidate and m.official for m in found):
                found.append(Mention(candidate, match.group(), None, True, sentence, match.start() - len(candidate)))
        # 钟南山院士说: a non-official title after the name
        for match in _NON_OFFICIAL_TITLE.finditer(text):
            for size in (3, 2, 4):
                candidate = text[max(0, match.start() - size) : match.start()]
                if len(candidate) == size and plausible_name(candidate):
                    found.append(Mention(candidate, match.group(), None, False, sentence, match.start() - size))
                    break
    return found


# Posts and non-official titles before a name, longest first; compiled once (escaping ~130 titles and joining
# them for every article cost more than the search).
_TITLES = re.compile("|".join(re.escape(t) for t in sorted(POSTS | NON_OFFICIAL, key=len, reverse=True)))

# Non-official titles after a name (院士, 教授 …), longest first; compiled once (it ran for every sentence).
_NON_OFFICIAL_TITLE = re.compile("|".join(re.escape(t) for t in sorted(NON_OFFICIAL, key=len, reverse=True)))

# Posts written after a name (习近平总书记, 李强总理, 王毅部长); followed by a verb or punctuation, not a body.
_POST_AFTER_NAME = re.compile(
    r"(?:总书记|国家主席|主席|总理|副总理|国务委员|委员长|部长|副部长|省长|副省长|市长|书记|局长|司长|主任|发言人)"
    rf"(?=在|于|对|向|就|同|与|[，,。：:、“]|{SPEECH_VERBS}|出席|主持|会见|重要(?:讲话|文章|指示|批示))"
)


def _name_before(text: str, end: int) -> str | None:
    """A name that ends at text[end] and starts at a boundary (start, punctuation) or is one jieba name token."""
    for size in (3, 2):
        start = end - size
        if start < 0:
            continue
        candidate = text[start:end]
        if not plausible_name(candidate):
            continue
        if start == 0 or text[start - 1] in _CHAIN_STOP or text[start - 1] in "、据":
            return candidate
        if any(word == candidate and tag.startswith("nr") for word, tag in tokens(text[max(0, start - 4) : end])):
            return candidate
    return None


# ---- rules: each returns (name, evidence sentence, rule name) for the speakers it finds ------------------

Found = tuple[str, Sentence, str]


def headline_name_colon(article: ArticleText, known: set[str]) -> list[Found]:
    """Headline `X：…` (谢少锋:电子政务发展的产业支撑) where X is a person, not a body (证监会：…)."""
    match = _TURN.match(article.title)
    if match and (match.group("who") in known or standalone_name(match.group("who"))):
        return [(match.group("who"), Sentence(article.title, -1), "headline:X：…")]
    return []


_HEADLINE_SPEECH = re.compile(
    r"^(?P<who>[\u4e00-\u9fff]{2,4})在(?P<occasion>.+?)(?:上|时)的(?:讲话|致辞|发言|演讲|报告)"
)
_HEADLINE_VERB = re.compile(
    rf"^(?P<who>[\u4e00-\u9fff]{{2,4}}?)(?:在.{{1,40}}?(?:时|上|中))?(?:{SPEECH_VERBS}|答记者问|接受.{{0,20}}采访)"
)


def headline_speech_at(article: ArticleText, known: set[str]) -> list[Found]:
    """Headline `X在…上的讲话` or `X在…时强调` / `X答记者问`."""
    for pattern, rule in ((_HEADLINE_SPEECH, "headline:X在…上的讲话"), (_HEADLINE_VERB, "headline:X…强调")):
        match = pattern.match(article.title)
        if match and (match.group("who") in known or standalone_name(match.group("who"))):
            return [(match.group("who"), Sentence(article.title, -1), rule)]
    return []


_PRONOUN_SPEECH = re.compile(rf"^(?:他|她)(?:[^，,。：:“]{{0,10}}?)(?:{SPEECH_VERBS})")


def speech_verb_after_name(article: ArticleText, known: set[str]) -> list[Found]:
    """`X表示/指出/强调/说…` with X a person named with a post somewhere in the article; `他指出` right after
    a sentence about X is X's too."""
    found = []
    previous: tuple[int, str | None] = (-2, None)  # (paragraph, the known name its last sentence was about)
    for sentence in article.sentences():
        if sentence.paragraph < 0:
            continue
        # The sentence's subject: the known name that comes first in it (within its opening words).
        placed = sorted((sentence.text.find(name), name) for name in known if 0 <= sentence.text.find(name) < 40)
        subject = placed[0][1] if placed else None
        if _PRONOUN_SPEECH.match(sentence.text) and previous[0] == sentence.paragraph and previous[1]:
            found.append((previous[1], sentence, "lead:他指出 (X just named)"))
        previous = (sentence.paragraph, subject or (previous[1] if previous[0] == sentence.paragraph else None))
        for name in known:
            for match in re.finditer(re.escape(name), sentence.text):
                rest = sentence.text[match.end() :]
                if _SPEECH.match(rest):
                    found.append((name, sentence, "lead:X表示/指出/强调"))
                    break
    return found


def delivers_speech(article: ArticleText, known: set[str]) -> list[Found]:
    """Lead `X出席…并讲话/致辞/作主旨发言`."""
    found = []
    for sentence in article.sentences():
        for name in known:
            index = sentence.text.find(name)
            if index >= 0 and _DELIVERS.match(sentence.text[index + len(name) :]):
                found.append((name, sentence, "lead:出席…并讲话"))
    return found


def transcript_turns(article: ArticleText, known: set[str]) -> list[Found]:
    """Press-conference turns `X：…` at a paragraph start (主持人 and reporters are not speakers)."""
    found = []
    for index, paragraph in enumerate(article.paragraphs):
        match = _TURN.match(paragraph)
        if not match:
            continue
        who = match.group("who")
        if who in known or (standalone_name(who) and who not in article.authors):
            found.append((who, Sentence(paragraph[:120], index), "turn:X："))
    return found


def transcript_header(article: ArticleText, known: set[str]) -> list[Found]:
    """A short line presenting the speaker of a transcript: `中国载人航天工程新闻发言人 武平`."""
    found = []
    for index, paragraph in enumerate(article.paragraphs[:5]):
        if len(paragraph) > 40:
            continue
        for name in known:
            if paragraph.rstrip().endswith(name) and paragraph.rstrip() != name:
                found.append((name, Sentence(paragraph, index), "header:职务 X"))
    return found


RULES: tuple[Callable[[ArticleText, set[str]], list[Found]], ...] = (
    headline_name_colon,
    headline_speech_at,
    delivers_speech,
    speech_verb_after_name,
    transcript_turns,
    transcript_header,
)
# Rules that make a person a speaker even when the text gives no post (the headline or the transcript says so).
_SELF_EVIDENT = {"headline:X：…", "headline:X在…上的讲话", "headline:X…强调", "turn:X："}


def is_reporter(name: str, article: ArticleText) -> bool:
    """Reporters and editors are never speakers: the byline, the editor line, or `记者X` in the text."""
    if name in article.authors or name in article.editors:
        return True
    text = "\n".join(article.paragraphs)
    return bool(re.search(rf"(?:记者|编辑|通讯员|摄影|摄)\s*{re.escape(name)}|{re.escape(name)}\s*摄", text))


@dataclass
class SpeakerFinding:
    speaker: Speaker
    evidence_count: int
    paragraphs: set[int]


def find_speakers(article: ArticleText, registry: Registry) -> list[SpeakerFinding]:
    mentions = [m for m in find_mentions(article) if not is_reporter(m.name, article)]
    officials: dict[str, Mention] = {}
    non_officials = set()
    for mention in mentions:
        if mention.official:
            # The fullest presentation wins: 工业和信息化部副部长秦望舒 over 秦望舒副部长.
            known_mention = officials.get(mention.name)
            if known_mention is None or len(mention.org or "") > len(known_mention.org or ""):
                officials[mention.name] = mention
        else:
            non_officials.add(mention.name)
    known = set(officials)
    findings: dict[str, SpeakerFinding] = {}
    for rule in RULES:
        for name, sentence, rule_name in rule(article, known):
            if is_reporter(name, article) or (name in non_officials and name not in officials):
                continue
            if name not in officials and rule_name not in _SELF_EVIDENT:
                continue
            finding = findings.get(name)
            if finding is None:
                official = officials.get(name)
                org_as_written = official.org if official else None
                speaker = Speaker(
                    name=name,
                    role=official.role if official else None,
                    org=registry.normalise(org_as_written) if org_as_written else None,
                    org_as_written=org_as_written,
                    evidence=official.sentence.text if official else sentence.text,
                    rule=rule_name,
                )
                finding = findings[name] = SpeakerFinding(speaker, 0, set())
            finding.evidence_count += 1
            if sentence.paragraph >= 0:
                finding.paragraphs.add(sentence.paragraph)
    named_orgs = [f.speaker.org for f in findings.values() if f.speaker.org]
    for unnamed in unnamed_officials(article, registry):
        key = unnamed.speaker.label
        org = unnamed.speaker.org
        # 河南省有关负责同志介绍了情况, then 河南省省长王凯说…: the collective phrase stands for the named officials.
        if key in findings or (org and any(org in named for named in named_orgs)):
            continue
        findings[key] = unnamed
    # Headline names may be given in the body only with a post: take it from there.
    return sorted(findings.values(), key=lambda f: _first_position(article, f.speaker.label))


# An official the text does not name: 国家发展改革委有关负责人就…答记者问, 省发展改革委负责同志介绍.
# Verbs that make the post before a speech verb its object: 约谈…负责人, 责令…负责人说明情况.
_ACTED_ON = re.compile(r"约谈|约见|责令|问责|处理|处分|督促|要求|批评|对|被|向|会见|接见|召见")
_UNNAMED_POST = re.compile(r"(?:有关|主要)?负责同志|(?:有关|主要)负责人|新闻发言人|发言人")
_UNNAMED_CUE = re.compile(rf"^(?:[^，,。：:“]{{0,30}}?(?:答记者问|通报|{SPEECH_VERBS}|接受[^，。]{{0,20}}采访)|[：:])")


def unnamed_officials(article: ArticleText, registry: Registry) -> list[SpeakerFinding]:
    """Officials presented by body and post alone whose words follow (a speech verb, 答记者问, a colon)."""
    found: dict[str, SpeakerFinding] = {}
    for sentence in article.sentences():
        text = sentence.text
        for match in _UNNAMED_POST.finditer(text):
            rest = text[match.end() :]
            if name_at(text, match.end()) is not None or not _UNNAMED_CUE.match(rest):
                continue
            org_as_written = _chain_before(text, match.start()) or None
            if org_as_written is None:
                continue  # "负责人表示" of no stated body: too vague to list, and not one person across articles
            clause = re.split(r"[，,。；;：:]", text[: match.start()])[-1]
            if _ACTED_ON.search(clause):
                continue  # the post is the object (约谈该企业主要负责人, 责令…负责人说明情况), not the speaker
            speaker = Speaker(
                name=None,
                role=match.group(),
                org=registry.normalise(org_as_written) if org_as_written else None,
                org_as_written=org_as_written,
                evidence=text,
                rule="unnamed:机构+有关负责人",
            )
            finding = found.setdefault(speaker.label, SpeakerFinding(speaker, 0, set()))
            finding.evidence_count += 1
            if sentence.paragraph >= 0:
                finding.paragraphs.add(sentence.paragraph)
    return list(found.values())


def _first_position(article: ArticleText, name: str) -> int:
    """Where a speaker (a name, or an unnamed official's body and post) first appears."""
    text = article.title + "\n" + "\n".join(article.paragraphs)
    index = text.find(name)
    return index if index >= 0 else len(text)
