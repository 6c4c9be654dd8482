"""The one text normaliser: whitespace, full-width forms and name lists as Chinese pages write them."""

from __future__ import annotations

import re

from ground.text import nfkc, nfkc_key

__all__ = ["clean_line", "clean_paragraph", "has_cjk", "looks_like_a_name", "nfkc", "nfkc_key", "split_names", "squash"]

# Whitespace a Chinese page uses inside and around text: ASCII, NBSP, ideographic space (U+3000), zero-width.
_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\ufeff]")
# Separators between names in 责编：A、B / 记者 A B / 作者：A，B
_NAME_SPLIT = re.compile(r"[、，,；;/／|｜\s\u3000]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def squash(text: str) -> str:
    """Collapse every run of whitespace (including U+3000 and NBSP) to one ASCII space and strip the ends."""
    return _SPACE.sub(" ", text).strip()


def clean_line(text: str) -> str:
    """A display line: zero-width characters removed, whitespace squashed, full-width punctuation kept as is."""
    return squash(_ZERO_WIDTH.sub("", text))


def clean_paragraph(text: str) -> str:
    """A body paragraph: the leading 　　 indent and outer whitespace dropped, runs of ASCII/NBSP whitespace
    squashed to one space; inner ideographic spaces (U+3000) and full-width punctuation are kept as written."""
    text = _ZERO_WIDTH.sub("", text)
    text = re.sub(r"[ \t\r\n\f\v\u00a0]+", " ", text)
    return text.strip(" \u3000")


def has_cjk(text: str) -> bool:
    """True when the text holds at least one CJK ideograph."""
    return bool(_CJK.search(text))


def split_names(text: str) -> list[str]:
    """Split a name list such as "胡永秋、杨光宇" or "燕帅 宋心蕊" into names.

    Two-character names padded with a space ("方  敏") are rejoined: a lone CJK character next to another
    lone one is one name, since Chinese personal names are at least two characters.
    """
    parts = [p for p in _NAME_SPLIT.split(text.strip()) if p]
    names: list[str] = []
    pending = ""
    for part in parts:
        if len(part) == 1 and has_cjk(part):
            pending += part
            if len(pending) >= 2:
                names.append(pending)
                pending = ""
            continue
        if pending:
            names.append(pending)
            pending = ""
        names.append(part)
    if pending:
        names.append(pending)
    return names


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


def looks_like_a_name(candidate: str) -> bool:
    """A Chinese personal name by its form: two to four ideographs opening with a surname (four only with a
    compound one), no 某 (an anonymised person)."""
    if not 2 <= len(candidate) <= 4 or "某" in candidate or not re.fullmatch(r"[\u4e00-\u9fff]+", candidate):
        return False
    if len(candidate) == 4 and candidate[:2] not in COMPOUND_SURNAMES:
        return False
    return candidate[:2] in COMPOUND_SURNAMES or candidate[:1] in SURNAMES
