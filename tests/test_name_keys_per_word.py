"""Search keys cached per word read names exactly as pypinyin reads the whole name."""

from __future__ import annotations

import random
import re

from pypinyin import lazy_pinyin

from graph.model.validation import key_text
from graph.records.search_keys import _CJK, _TOKEN, fold, name_keys

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
