"""Phones in an import: the quick paths for mainland numbers give what the full parse gives."""

from __future__ import annotations

import random

import pytest
from marshmallow import ValidationError

from graph.io.imports.cleaning import _phone_reader
from graph.io.imports.targets import import_type
from graph.model.validation import field_for


def _reader_and_parser(region: str):  # type: ignore[no-untyped-def]
    kind = import_type("customer")
    target = kind.target("phone")
    assert target is not None and target.prop is not None
    return _phone_reader(target, target.prop, region, None), field_for(kind.model, "phone", region)


def _outcome(convert, text: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(convert(text))
    except ValidationError:
        return "invalid"


def test_quick_paths_agree_with_the_full_parse() -> None:
    reader, parser = _reader_and_parser("CN")
    rng = random.Random(16)
    texts = [
        "02160000000",
        "021-6000-0000",
        "(021) 6000 0000",
        "0755-12345678",
        "010 1234 5678",
        "0851-1234567",
        "0216000000",
        "0101234567",
        "0571123456789",
        "00862160000000",
        "13812345678",
        "+86 138 1234 5678",
        "8613812345678",
        "12812345678",
        "０２１６００００００",
        "021-12345678转8",
        "021-12345678-808",
        "(021)12345678 ext 8",
        "0755-1234567-8",
    ]
    for _ in range(3000):
        length = rng.choice([9, 10, 11, 12])
        texts.append("0" + str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=length)))
        texts.append("1" + str(rng.randint(0, 9)) + "".join(rng.choices("0123456789", k=9)))
    for text in texts:
        assert _outcome(reader, text) == _outcome(parser.deserialize, text), text


@pytest.mark.parametrize("text", ["02160000000", "13812345678"])
def test_other_regions_take_the_full_parse(text: str) -> None:
    reader, parser = _reader_and_parser("US")
    assert _outcome(reader, text) == _outcome(parser.deserialize, text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("021-12345678转8", "+862112345678;ext=8"),
        ("021-12345678 分机 808", "+862112345678;ext=808"),
        ("(021)12345678 ext. 8", "+862112345678;ext=8"),
        ("021-12345678-8", "+862112345678;ext=8"),  # 0211234567 8 is no number: an extension
        ("021-1234-5678", "+862112345678"),
        ("０２１－１２３４５６７８转８", "+862112345678;ext=8"),
    ],
)
def test_an_extension_is_kept_not_dropped(text: str, stored: str) -> None:
    reader, _ = _reader_and_parser("CN")
    assert reader(text) == stored
