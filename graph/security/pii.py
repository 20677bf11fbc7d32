"""Personal data at rest: which properties are sealed, and sealing and opening their values.

A ``pii=True`` property (``graph.model.base.Prop``) holds its value encrypted by a
``graph.security.crypto.FieldCipher``; its sibling property ``<name>_bidx`` holds the blind index
that exact search and duplicate checks use (indexed in both dialect schema files); a phone
also has ``<name>_last4_bidx``, the keyed index of its last four digits (global search by
"ends in"). History entries keep the ciphertext too. Without a cipher (tools and tests that
hold no key) values pass through unchanged; a reader with a cipher shows such plaintext as is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph.model.base import NodeModel, Prop
from graph.model.per_type import cache_per_type
from graph.security.crypto import FieldCipher

INDEX_SUFFIX = "_bidx"
LAST4_SUFFIX = "_last4" + INDEX_SUFFIX

Row = dict[str, Any]


def index_name(name: str) -> str:
    """The property holding the blind index of the personal-data property ``name``."""
    return name + INDEX_SUFFIX


def last4_index_name(name: str) -> str:
    """The property holding the index of the last four digits of the phone ``name``."""
    return name + LAST4_SUFFIX


def index_names(prop: Prop) -> tuple[str, ...]:
    """Every index property kept beside the personal-data property ``prop``."""
    if prop.field_kind.suffix_indexed:
        return (index_name(prop.name), last4_index_name(prop.name))
    return (index_name(prop.name),)


def index_values(prop: Prop, plain: str | None, cipher: FieldCipher) -> Row:
    """The index properties of ``prop`` for the value ``plain`` (all None when it is None):
    what a write stores beside the encrypted value."""
    if plain is None:
        return dict.fromkeys(index_names(prop))
    values: Row = {index_name(prop.name): cipher.blind_index(plain, prop.kind)}
    if prop.field_kind.suffix_indexed:
        values[last4_index_name(prop.name)] = cipher.suffix_index(plain)
    return values


@cache_per_type
def pii_props(model: type[NodeModel]) -> tuple[Prop, ...]:
    """The personal-data properties of a node type, in declaration order."""
    return tuple(prop for prop in model.meta.props if prop.pii)


def seal_value(model: type[NodeModel], name: str, value: Any, cipher: FieldCipher | None) -> Any:
    """``value`` of ``model.name`` as stored: encrypted when the property is personal data."""
    prop = model.meta.prop(name)
    if cipher is None or value is None or prop is None or not prop.pii:
        return value
    return cipher.encrypt(model.label, name, str(value))


def open_value(model: type[NodeModel], name: str, value: Any, cipher: FieldCipher | None) -> Any:
    """A stored value of ``model.name`` decrypted (plaintext and other fields unchanged)."""
    prop = model.meta.prop(name)
    if cipher is None or not isinstance(value, str) or prop is None or not prop.pii:
        return value
    return cipher.decrypt(model.label, name, value)


@cache_per_type
def _sealed_names(model: type[NodeModel]) -> tuple[tuple[str, str, str, str | None], ...]:
    """Each personal-data property of a node type as (name, kind, index property, last-four
    index property or None): what ``seal_props`` writes, looked up once per type."""
    return tuple(
        (
            prop.name,
            prop.kind,
            index_name(prop.name),
            last4_index_name(prop.name) if prop.field_kind.suffix_indexed else None,
        )
        for prop in pii_props(model)
    )


def seal_props(
    model: type[NodeModel],
    props: Row,
    cipher: FieldCipher | None,
    indexes: dict[str, str] | None = None,
) -> Row:
    """Properties to write: personal data encrypted, with its blind index (None removes both).

    ``indexes``: blind indexes (by index name) already computed with ``cipher`` for these
    very values (an import's duplicate check), taken instead of computed again."""
    if cipher is None:
        return props
    sealed = dict(props)
    # index_values and seal_value inlined (an import seals every row): the same entries
    # in the same order, the indexes first.
    for name, kind, index, last4 in _sealed_names(model):
        if name not in props:
            continue
        value = props[name]
        if value is None:
            sealed[index] = None
            if last4 is not None:
                sealed[last4] = None
            continue
        plain = str(value)
        known = indexes.get(index) if indexes else None
        sealed[index] = known or cipher.blind_index(plain, kind)
        if last4 is not None:
            sealed[last4] = cipher.suffix_index(plain)
        sealed[name] = cipher.encrypt(model.label, name, plain)
    return sealed


def open_props(model: type[NodeModel], node: Row, cipher: FieldCipher | None) -> Row:
    """A stored node's properties with personal data decrypted."""
    if cipher is None:
        return node
    opened = dict(node)
    for prop in pii_props(model):
        value = node.get(prop.name)
        if isinstance(value, str):
            opened[prop.name] = cipher.decrypt(model.label, prop.name, value)
    return opened


def seal_rows(model: type[NodeModel], rows: Iterable[Row], cipher: FieldCipher) -> list[Row]:
    """Bulk-load rows with personal data encrypted and indexed (rows are not modified)."""
    props = pii_props(model)
    if not props:
        return list(rows)
    label, encrypt = model.label, cipher.encrypt
    sealed = []
    for row in rows:
        copy = dict(row)
        for prop in props:
            value = row.get(prop.name)
            if value is not None:
                copy[prop.name] = encrypt(label, prop.name, str(value))
                copy.update(index_values(prop, str(value), cipher))
        sealed.append(copy)
    return sealed
