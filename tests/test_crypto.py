"""Field encryption, blind indexes and masks as plain functions (no engine needed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import re

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from graph.errors import ConfigError, UnreadableValue
from graph.model import nodes
from graph.model.base import NodeModel, Prop
from graph.model.kinds import FIELD_KINDS
from graph.security.crypto import (
    FieldCipher,
    FieldKey,
    KeyedIndex,
    _derive,
    generate_key,
    normalise,
    parse_key,
    phone_suffix,
)
from graph.security.masking import mask_value
from graph.security.pii import index_values, pii_props, seal_props


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(parse_key(generate_key()))


def test_values_round_trip_and_never_repeat_a_ciphertext(cipher: FieldCipher) -> None:
    first = cipher.encrypt("Customer", "phone", "+8613812345678")
    second = cipher.encrypt("Customer", "phone", "+8613812345678")
    assert first != second  # a random nonce per value
    assert first.startswith(f"enc:v1:{cipher.key_id}:") and "13812345678" not in first
    assert cipher.decrypt("Customer", "phone", first) == "+8613812345678"
    assert cipher.decrypt("Customer", "phone", "plain legacy") == "plain legacy"


def test_a_value_moved_to_another_field_or_altered_does_not_decrypt(cipher: FieldCipher) -> None:
    sealed = cipher.encrypt("Customer", "phone", "+8613812345678")
    with pytest.raises(UnreadableValue, match="Customer.email"):
        cipher.decrypt("Customer", "email", sealed)
    with pytest.raises(UnreadableValue, match="Contact.phone"):
        cipher.decrypt("Contact", "phone", sealed)
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(UnreadableValue):
        cipher.decrypt("Customer", "phone", tampered)


def test_old_keys_read_but_only_the_current_key_writes(cipher: FieldCipher) -> None:
    old_value = cipher.encrypt("Contact", "wechat", "lina_wx")
    rotated = cipher.rotated_to(parse_key(generate_key()))
    assert rotated.decrypt("Contact", "wechat", old_value) == "lina_wx"
    assert not rotated.is_current(old_value)
    assert rotated.is_current(rotated.encrypt("Contact", "wechat", "lina_wx"))
    stranger = FieldCipher(parse_key(generate_key()))
    with pytest.raises(UnreadableValue, match=cipher.key_id):
        stranger.decrypt("Contact", "wechat", old_value)
    assert rotated.blind_indexes("x", "string") == [
        rotated.blind_index("x"),
        cipher.blind_index("x"),
    ]


def test_blind_index_matches_the_same_value_however_it_is_written(cipher: FieldCipher) -> None:
    phone = cipher.blind_index("+8613812345678", "phone")
    for written in (
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "１３８１２３４５６７８",
    ):
        assert cipher.blind_index(written, "phone") == phone, written
    assert cipher.blind_index("13812345679", "phone") != phone
    assert cipher.blind_index(" Zhang@Example.COM ", "email") == cipher.blind_index(
        "zhang@example.com", "email"
    )
    other_key = FieldCipher(parse_key(generate_key()))
    assert other_key.blind_index("+8613812345678", "phone") != phone
    assert normalise("  Lina_WX ", "string") == "lina_wx"


@pytest.mark.parametrize("bad", ["", "short", "not base64 at all!!", generate_key()[:-4]])
def test_a_malformed_key_is_a_config_error_naming_the_setting(bad: str) -> None:
    with pytest.raises(ConfigError, match="FIELD_ENCRYPTION_KEY"):
        parse_key(bad)


def test_masks_keep_just_enough_to_tell_records_apart() -> None:
    mask_phone, mask_email = FIELD_KINDS["phone"].mask, FIELD_KINDS["email"].mask
    mask_text = FIELD_KINDS["string"].mask
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("+14155552671") == "415***2671"
    assert mask_phone("12345") == "***45"
    assert mask_email("zhang@example.com") == "z***@example.com"
    assert mask_email("no-at-sign") == "n***"
    assert mask_text("lina_wx") == "l***"
    wechat = nodes.Contact.meta.prop("wechat")
    name = nodes.Contact.meta.prop("name")
    assert wechat is not None and name is not None
    assert mask_value(wechat, "lina_wx") == "l***" and mask_value(wechat, None) is None
    assert mask_value(name, "Li Na") == "Li Na"


def test_personal_data_cannot_be_declared_unique_indexed_or_title() -> None:
    with pytest.raises(ConfigError, match="E014"):
        type("BadPii1", (NodeModel,), {"props": (Prop("name", "N", "名", pii=True),)})
    with pytest.raises(ConfigError, match="E014"):
        props = (Prop("name", "N", "名"), Prop("phone", "P", "电", pii=True, indexed=True))
        type("BadPii2", (NodeModel,), {"props": props})


# -- the prepared HMAC and the ciphertext format against the previous implementation -------


def _previous_index(key: bytes, text: str) -> str:
    """The blind index as it was computed before ``KeyedIndex`` (one ``hmac.digest`` a value)."""
    digest = hmac.digest(key, text.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def test_keyed_index_is_hmac_sha256_for_any_key_and_text() -> None:
    rng = random.Random(16)
    alphabet = "az09+@. 上海😀\x00\n"
    for length in [0, 1, 16, 32, 63, 64, 65, 100, 200]:
        key = rng.randbytes(length)
        index = KeyedIndex(key)
        for _ in range(50):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
            assert index(text) == _previous_index(key, text)


def test_blind_and_suffix_indexes_keep_their_stored_values() -> None:
    # Values computed by the previous implementation: indexes already stored must still match.
    cipher = FieldCipher(bytes(range(32)))
    assert cipher.key_id == "3f22fdf0"
    assert cipher.blind_index("+8613812345678", "phone") == "d8UTL_ZJHHa6NDgPeDsNZg"
    assert cipher.blind_index("138 1234 5678", "phone") == "d8UTL_ZJHHa6NDgPeDsNZg"
    assert cipher.suffix_index("+8613812345678") == "zPWrTU1CDZKiMAgelq9wcQ"
    assert cipher.suffix_indexes("5678") == ["zPWrTU1CDZKiMAgelq9wcQ"]
    assert cipher.blind_index("Zhang@Example.com", "email") == "T1nLDrFeUFqtMd3n4wyHWw"
    assert cipher.blind_index("上海 明达", "string") == "se6ucgZuA21_971P0eFOcA"


def _previous_encrypt(master: bytes, label: str, name: str, value: str) -> str:
    """A value sealed as the previous implementation wrote it."""
    key_id = FieldKey.from_bytes(master).id
    aead = AESGCM(_derive(master, b"field encryption"))
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, value.encode(), f"{label}.{name}".encode())
    blob = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"enc:v1:{key_id}:{blob}"


def _previous_decrypt(master: bytes, label: str, name: str, value: str) -> str:
    """A sealed value opened as the previous implementation opened it."""
    blob = value.split(":", 3)[3]
    raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    aead = AESGCM(_derive(master, b"field encryption"))
    return aead.decrypt(raw[:12], raw[12:], f"{label}.{name}".encode()).decode()


@pytest.mark.parametrize("value", ["", "+8613812345678", "c1@example.com", "上海明达😀", "x" * 47])
def test_ciphertext_reads_both_ways_with_the_previous_implementation(value: str) -> None:
    master = parse_key(generate_key())
    cipher = FieldCipher(master)
    written = cipher.encrypt("Customer", "phone", value)
    assert _previous_decrypt(master, "Customer", "phone", written) == value
    assert len(written) == len(_previous_encrypt(master, "Customer", "phone", value))
    old = _previous_encrypt(master, "Customer", "phone", value)
    assert cipher.decrypt("Customer", "phone", old) == value
    assert cipher.is_current(old) and written.startswith(f"enc:v1:{cipher.key_id}:")


def _previous_seal_props(model: type[NodeModel], props: dict, cipher: FieldCipher) -> dict:
    """``seal_props`` as it was before its per-type names (one ``index_values`` a property)."""
    sealed = dict(props)
    for prop in pii_props(model):
        if prop.name not in props:
            continue
        value = props[prop.name]
        sealed.update(index_values(prop, None if value is None else str(value), cipher))
        if value is not None:
            sealed[prop.name] = cipher.encrypt(model.label, prop.name, str(value))
    return sealed


@pytest.mark.parametrize(
    ("model", "props"),
    [
        (
            nodes.Customer,
            {"name": "上海明达", "phone": "+862160000000", "email": "C1@Example.com", "n": 1},
        ),
        (nodes.Customer, {"name": "x", "phone": None, "id_number": "310101199001011234"}),
        (nodes.Customer, {"email": None, "phone": "12"}),
        (nodes.Contact, {"name": "王伟", "phone": "138 1234 5678", "wechat": "lina_wx"}),
        (nodes.Contact, {"phone": 8613812345678, "wechat": None, "email": "a@b.cn"}),
        (nodes.User, {"email": "admin@example.com", "name": "Admin"}),
        (nodes.Tag, {"name": "vip"}),
    ],
)
def test_sealed_props_are_the_previous_ones(
    cipher: FieldCipher, model: type[NodeModel], props: dict
) -> None:
    before = dict(props)
    sealed = seal_props(model, props, cipher)
    previous = _previous_seal_props(model, props, cipher)
    assert list(sealed) == list(previous)  # the same entries in the same order
    for name, value in previous.items():
        prop = model.meta.prop(name)
        if prop is not None and prop.pii and value is not None:
            assert cipher.decrypt(model.label, name, sealed[name]) == str(props[name])
        else:
            assert sealed[name] == value
    assert props == before  # the caller's row is not modified


def _previous_phone_suffix(normalised: str) -> str:
    digits = re.sub(r"[^0-9]", "", normalised)
    return digits[-4:] if len(digits) >= 4 else ""


def test_phone_suffix_is_the_previous_one_for_any_text() -> None:
    rng = random.Random(16)
    alphabet = "0123456789+- x()٣²１"  # with non-ASCII digits, which do not count
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 16)))
        assert phone_suffix(text) == _previous_phone_suffix(text), text


def test_a_phones_last_four_are_its_numbers_not_its_extensions() -> None:
    cipher = FieldCipher(bytes(range(32)))
    assert phone_suffix("+862112345678;ext=808") == "5678"
    assert cipher.suffix_index("+862112345678;ext=808") == cipher.suffix_indexes("5678")[0]


def test_suffix_index_is_the_same_from_the_cache() -> None:
    cipher = FieldCipher(bytes(range(32)))
    for _ in range(3):  # computed once, then from the cache
        assert cipher.suffix_index("+8613812345678") == "zPWrTU1CDZKiMAgelq9wcQ"
        assert cipher.suffix_indexes("5678") == ["zPWrTU1CDZKiMAgelq9wcQ"]
    other = FieldCipher(bytes(range(1, 33)))  # another key has its own cache
    assert other.suffix_index("+8613812345678") != "zPWrTU1CDZKiMAgelq9wcQ"
