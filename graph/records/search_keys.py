"""Search keys derived from a record's name, stored beside it for global search.

Global search (``graph.records.search``) answers "zhangwei", "zw" or "上海明" with an index
seek, so what it matches is stored on each searched node (customers, contacts, referrers)
and kept current by every write of the name (``NodeRepository`` and bulk loads):

- ``search_name``: the name folded (full-width ASCII, case) and without spaces;
- ``search_pinyin``: Chinese characters as toneless pinyin, other letters and digits as
  written, all joined: 张伟 -> ``zhangwei``, 上海Acme -> ``shanghaiacme``;
- ``search_initials``: the first letter of each syllable or word: 张伟 -> ``zw``;
- ``search_version``: which derivation wrote them, so that ``backfill`` recomputes keys of
  records written before keys existed (or before the derivation changed).

A phone's last-four-digits index (``graph.security.pii``) is written with the phone; the
backfill also fills it in for records stored before it existed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from graph.model import nodes
from graph.model.base import NodeModel
from graph.model.validation import key_text
from graph.security.crypto import FieldCipher
from graph.security.pii import index_values, pii_props
from graph.store.protocol import GraphStore
from graph.store.templates import render

# The node types global search covers, in the order their groups are shown.
SEARCHED: tuple[type[NodeModel], ...] = (nodes.Customer, nodes.Contact, nodes.Referrer)
NAME_KEY = "search_name"
PINYIN_KEY = "search_pinyin"
INITIALS_KEY = "search_initials"
VERSION_KEY = "search_version"
KEYS_VERSION = 1

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of Chinese characters (read as pinyin together, so 重庆 reads chong qing) or a word.
_TOKEN = re.compile(rf"[{_CJK}]+|[^\s{_CJK}\W_]+")
_CJK_START = re.compile(rf"[{_CJK}]")

Row = dict[str, Any]


def searched(model: type[NodeModel]) -> bool:
    """Whether records of ``model`` carry search keys (global search covers them)."""
    return model in SEARCHED


def fold(text: str) -> str:
    """Text as the keys and queries compare it: folded, case-folded, without spaces."""
    return "".join(key_text(text).casefold().split())


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str, str]:
    """(search_name, search_pinyin, search_initials) of a name."""
    text = key_text(name).casefold()
    syllables: list[str] = []
    for token in _TOKEN.findall(text):
        if _CJK_START.match(token):
            syllables += _run_pinyin(token)
        else:
            syllables.append(token)
    # "".join(text.split()) is ``fold(name)``, without folding the name a second time.
    return "".join(text.split()), "".join(syllables), "".join([s[0] for s in syllables])


@lru_cache(maxsize=65536)
def _run_pinyin(run: str) -> tuple[str, ...]:
    """The syllables of a run of Chinese characters: its words' in turn (上海客户 and 有限公司
    recur in names that are each new)."""
    syllables: list[str] = []
    for word in _segment(run):
        syllables += _word_pinyin(word)
    return tuple(syllables)


def _segment(run: str) -> list[str]:
    """pypinyin's segmentation of a run of Chinese characters (``seg(run)``, as
    ``lazy_pinyin`` does it): every character of ``_CJK`` is one pypinyin reads, so the run
    is one piece for its phrase matching (``pypinyin.seg.mmseg.seg``, forward maximum
    matching of phrases of ``PHRASES_DICT``), done here without its generator and slices
    of the remaining text per character, a quarter of the cost of a new name's keys."""
    if not PHRASES_DICT:
        return [run]  # phrases turned off: the run is one word
    prefixes = _phrase_prefixes()
    words: list[str] = []
    start, end_of_run = 0, len(run)
    while start < end_of_run:
        valid = 0  # the end of the longest phrase starting at ``start``
        end = start + 1
        while end <= end_of_run:
            word = run[start:end]
            if word not in prefixes:
                break
            if word in PHRASES_DICT:
                valid = end
            end += 1
        else:  # the rest of the run is the beginning of a phrase
            if not valid:
                words += run[start:]  # no phrase in it: one character at a time
                break
        if valid:
            words.append(run[start:valid])
            start = valid
        else:
            words.append(run[start])
            start += 1
    return words


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> tuple[str, ...]:
    """The toneless syllables of one word of pypinyin's segmentation (a phrase it knows, or
    one character). ``lazy_pinyin`` of a run of characters is its words' pinyin in turn, so
    caching per word gives the same keys while most words (有限公司, 上海, a surname) recur
    across a million names that are each new."""
    return tuple(s for s in lazy_pinyin(word) if s)


@lru_cache(maxsize=1)
def _phrase_prefixes() -> frozenset[str]:
    """Every beginning of a phrase pypinyin knows (its segmenter's prefix set)."""
    return frozenset(word[:end] for word in PHRASES_DICT for end in range(1, len(word) + 1))


def with_search_keys(model: type[NodeModel], props: Row) -> Row:
    """``props`` of a write plus the search keys of its name, for a searched type whose
    name the write sets (other writes are returned unchanged)."""
    title = model.meta.title
    if not searched(model) or title not in props:
        return props
    value = props[title]
    keys: tuple[str | None, ...] = (None, None, None)
    if value is not None:
        keys = name_keys(str(value))
    return {
        **props,
        NAME_KEY: keys[0],
        PINYIN_KEY: keys[1],
        INITIALS_KEY: keys[2],
        VERSION_KEY: KEYS_VERSION,
    }


def backfill(
    store: GraphStore,
    cipher: FieldCipher | None,
    *,
    batch_size: int = 1000,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Write the search keys (and phone last-four indexes) of searched records that lack
    them or have an older derivation; returns how many records of each type were updated.

    One read lists the records to do; each batch is read by uid and written back only if
    its version did not move meanwhile (``node_reseal``), so a concurrent edit wins (it
    writes its own keys). Without a ``cipher`` the phone indexes cannot be made and are
    left out. Safe to run again: records already current are not listed.
    """
    done: dict[str, int] = {}
    for model in SEARCHED:
        label = model.label
        todo = render(store.cypher.get("search_list_unkeyed"), Label=label)
        read = render(store.cypher.get("search_list_by_uids"), Label=label)
        write = render(store.cypher.get("node_reseal"), Label=label)
        uids = [row["uid"] for row in store.read(todo, version=KEYS_VERSION)]
        done[label] = 0
        for batch in _batches(uids, batch_size):
            rows = [_keyed(model, row["n"], cipher) for row in store.read(read, uids=batch)]
            if rows:
                done[label] += store.write(write, rows=rows)[0]["resealed"]
            if progress is not None:
                progress(label, done[label], len(uids))
    return done


def _keyed(model: type[NodeModel], node: Row, cipher: FieldCipher | None) -> Row:
    """The reseal row of one stored node: its search keys and phone last-four indexes."""
    title = model.meta.title
    props = with_search_keys(model, {title: node.get(title)})
    del props[title]
    if cipher is not None:
        for prop in pii_props(model):
            value = node.get(prop.name)
            if prop.field_kind.suffix_indexed and isinstance(value, str):
                plain = cipher.decrypt(model.label, prop.name, value)
                props.update(index_values(prop, plain, cipher))
    return {"uid": node["uid"], "version": node.get("version") or 0, "props": props}


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
