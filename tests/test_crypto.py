"""Field encryption, blind indexes and masks as plain functions (no engine needed)."""

from __future__ import annotations

import pytest

from graph.errors import ConfigError, UnreadableValue
from graph.model import nodes
from graph.model.base import NodeModel, Prop
from graph.model.kinds import FIELD_KINDS
from graph.security.crypto import FieldCipher, generate_key, normalise, parse_key
from graph.security.masking import mask_value


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
