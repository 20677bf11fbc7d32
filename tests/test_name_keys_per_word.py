"""Search keys cached per word read names exactly as pypinyin reads the whole name."""

from __future__ import annotations

import random
import re

from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT
from pypinyin.seg.simpleseg import seg

from graph.model.validation import key_text
from graph.records.search_keys import _CJK, _TOKEN, _segment, fold, name_keys

# Polyphones whose reading depends on the phrase around them, and everyday company names.
NAMES = [
    "重庆长安汽车",
    "长沙银行行长",
    "中国银行重庆分行",
    "朝阳区朝阳门",
    "乐山音乐学院",
    "都江堰市都市快报",
    "单于单先生",
    "还有还款",
    "西安航东融资租赁有限公司",
    "上海客户0000001有限公司",
    "厦门长城长生物科技",
    "北京行行行贸易有限责任公司",
    "曾经的曾先生",
    "张伟",
    "重庆长安 Auto Co.",
    "ＡＢＣ（上海）重工",
    "㐀㐁 extension A",
    "",
    "ＡＢＣ\u3000ｄｅｆ 上海",
    "Straße İstanbul ǅ",
    "ﬁrm ﬂow 有限公司",
    "\x00\x07张伟\t李\n",
    "〇一二 重庆",
    "张-伟_3号 Co., Ltd.",
]


def _whole_name(name: str) -> tuple[str, str, str]:
    """The keys as computed before the per-word cache: pypinyin over each run of
    characters at once."""
    syllables: list[str] = []
    for token in _TOKEN.findall(key_text(name).casefold()):
        if re.match(rf"[{_CJK}]", token):
            syllables += [s for s in lazy_pinyin(token) if s]
        else:
            syllables.append(token)
    return fold(name), "".join(syllables), "".join(s[0] for s in syllables)


def test_per_word_keys_equal_whole_name_keys() -> None:
    chars = "重庆长安行银都乐朝单还曾有限公司上海北京广州深圳厦门航东融资租赁科技贸易发展"
    rng = random.Random(16)
    generated = ["".join(rng.choice(chars) for _ in range(rng.randint(2, 14))) for _ in range(2000)]
    for name in NAMES + generated:
        assert name_keys(name) == _whole_name(name), name


def test_segmentation_equals_pypinyins() -> None:
    """The name keys' own phrase matching splits runs of characters as pypinyin's
    segmenter does: runs built of phrases it knows, beginnings of phrases and characters."""
    phrases = sorted(PHRASES_DICT)
    rng = random.Random(21)
    runs = [run for name in NAMES for run in re.findall(rf"[{_CJK}]+", name)]
    for _ in range(20000):
        parts = []
        for _ in range(rng.randint(1, 5)):
            phrase = rng.choice(phrases)
            pick = rng.random()
            if pick < 0.4:
                parts.append(phrase)
            elif pick < 0.7:
                parts.append(phrase[: rng.randint(1, len(phrase))])  # a phrase's beginning
            else:
                parts.append(rng.choice(phrase) * rng.randint(1, 2))
        runs.append("".join(parts))
    for run in runs:
        assert _segment(run) == seg(run), run
