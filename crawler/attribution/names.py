"""Person names: a jieba tokenizer of our own with a domain dictionary, plus surname and boundary checks."""

from __future__ import annotations

import logging
import re
import threading
from functools import cache

import jieba
import jieba.posseg

from crawler.attribution.registry import default_registry
from crawler.attribution.roles import NON_OFFICIAL, POSTS

# Common single-character surnames (about 99% of the population) and the compound ones that still occur.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛"
    "邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕"
    "楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈"
    "晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉"
    "冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由习"
)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "司徒",
    "东方",
    "夏侯",
    "皇甫",
    "尉迟",
    "令狐",
    "慕容",
    "长孙",
    "宇文",
)

# What may follow a name: a speech or activity verb, a preposition, an honorific, punctuation or a date.
_AFTER_NAME = re.compile(
    r"(?:[\s，,。．.！!？?：:；;、（(）)“”\"’‘》《—…·]|[0-9０-９一二三四五六七八九十]+[月日]|$"
    r"|表示|说|指出|强调|介绍|透露|称|认为|坦言|提出|提到|谈到|要求|希望|呼吁|提醒|宣布|回应|答|回答|解释|建议|直言|告诉"
    r"|重申|分析|出席|参加|在|于|向|对|就|同|与|和|代表|主持|会见|会谈|调研|考察|视察|来到|前往|走进|听取|看望|等|同志"
    r"|先生|女士|一行|作|发表|致辞|讲话|率|带队|也|还|则|又|都|进行|为|是|的|今天|昨天|近日|日前|随后|首先|最后|特别|同时"
    r"|以|从|将|已|曾|并|而|却|更|亦|正在|正|发布|分享|通报|解读|宣读|展示|演示)"
)
_NAME_TAGS = {"nr", "nrfg", "nrt"}

log = logging.getLogger(__name__)
_lock = threading.Lock()


@cache
def tokenizer() -> jieba.posseg.POSTokenizer:
    """A jieba tokenizer of attribution's own (other packages load other dictionaries into theirs).

    The domain dictionary makes posts and registered bodies single tokens, so a post never swallows the
    name after it (司长谢少锋) and a body's name is never read as a person (司法厅).
    """
    jieba.setLogLevel(logging.WARNING)
    with _lock:
        base = jieba.Tokenizer()
        for post in POSTS | NON_OFFICIAL:
            base.add_word(post, 20000, "post")
        for word in default_registry().words():
            base.add_word(word, 20000, "nt")
        return jieba.posseg.POSTokenizer(base)


def tokens(text: str) -> list[tuple[str, str]]:
    return [(pair.word, pair.flag) for pair in tokenizer().cut(text)]


def has_surname(candidate: str) -> bool:
    return candidate[:2] in COMPOUND_SURNAMES or candidate[:1] in SURNAMES


def plausible_name(candidate: str) -> bool:
    """A Chinese personal name: a surname and one or two characters, no 某 (an anonymised person), no post."""
    if not 2 <= len(candidate) <= 4 or "某" in candidate or not re.fullmatch(r"[\u4e00-\u9fff]+", candidate):
        return False
    if any(post in candidate for post in ("记者", "主任", "部长", "局长", "书记")):
        return False
    if len(candidate) == 4 and candidate[:2] not in COMPOUND_SURNAMES:
        return False
    return has_surname(candidate)


# Last characters of bodies and places, not of personal names: 商务部, 央行, 江西省.
_NOT_A_NAME_END = set("部局委办厅署院会司处网社报台省市县区镇村州")


def standalone_name(candidate: str) -> bool:
    """A name with no post beside it (a headline's `X：…`, a transcript's `X：`): plausible, not a body or a
    place (江西, 商务部), and not one word jieba reads as anything but a name."""
    if not plausible_name(candidate) or candidate[-1] in _NOT_A_NAME_END:
        return False
    if candidate in default_registry().words():
        return False
    pieces = tokens(candidate)
    # one word jieba knows as something else (江西/ns, 时评/n) is not a name; an unknown name may be split (赵/明远)
    return not (len(pieces) == 1 and pieces[0][1] not in _NAME_TAGS)


def _known_name(word: str) -> bool:
    return 2 <= len(word) <= 4 and "某" not in word and bool(re.fullmatch(r"[\u4e00-\u9fff]+", word))


def name_at(text: str, start: int) -> str | None:
    """The personal name that begins at text[start] (after a post, at a paragraph start), or None.

    A name ends where a boundary begins (a verb such as 表示, 出席, a preposition, punctuation, a date): of the
    lengths that end at a boundary, the one jieba agrees with wins, then the longer one.
    """
    window = text[start : start + 12]
    if not window:
        return None
    pieces = tokens(window)
    first_word, first_tag = pieces[0] if pieces else ("", "")
    if first_tag in _NAME_TAGS and _AFTER_NAME.match(window, len(first_word)):
        if first_tag == "nrt" and 2 <= len(first_word) <= 6 and "某" not in first_word:
            return first_word  # a transliterated foreign name: 菲利普
        if plausible_name(first_word) or (first_tag == "nrfg" and _known_name(first_word)):
            return first_word  # nrfg: a name in jieba's own dictionary
    jieba_ends = set()
    position = 0
    for word, _ in pieces:
        position += len(word)
        jieba_ends.add(position)
    valid = [n for n in (4, 3, 2) if plausible_name(window[:n]) and _AFTER_NAME.match(window, n)]
    if not valid:
        return None
    agreed = [n for n in valid if n in jieba_ends]
    return window[: (agreed or valid)[0]]
