"""Personal data at rest: which properties are sealed, and sealing and opening their values.

A ``pii=True`` property (``graph.model.base.Prop``) holds its value encrypted by a
``graph.security.crypto.FieldCipher``; its sibling property ``<name>_bidx`` holds the blind index
that exact search and duplicate checks use (indexed in both dialect schema files). History
entries keep the ciphertext too. Without a cipher (tools and tests that hold no key)
values pass through unchanged; a reader with a cipher shows such plaintext as is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph.model.base import NodeModel, Prop, cache_per_type
from graph.security.crypto import FieldCipher

INDEX_SUFFIX = "_bidx"

Row = dict[str, Any]


def index_name(name: str) -> str:
    """The property holding the blind index of the personal-data property ``name``."""
    return name + INDEX_SUFFIX


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


def seal_props(model: type[NodeModel], props: Row, cipher: FieldCipher | None) -> Row:
    """Properties to write: personal data encrypted, with its blind index (None removes both)."""
    if cipher is None:
        return props
    sealed = dict(props)
    for prop in pii_props(model):
        if prop.name not in props:
            continue
        value = props[prop.name]
        if value is None:
            sealed[index_name(prop.name)] = None
            continue
        sealed[prop.name] = cipher.encrypt(model.label, prop.name, str(value))
        sealed[index_name(prop.name)] = cipher.blind_index(str(value), prop.kind)
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
    props = [(p.name, index_name(p.name), p.kind) for p in pii_props(model)]
    if not props:
        return list(rows)
    label, encrypt, blind_index = model.label, cipher.encrypt, cipher.blind_index
    sealed = []
    for row in rows:
        copy = dict(row)
        for name, index, kind in props:
            value = row.get(name)
            if value is not None:
                copy[name] = encrypt(label, name, str(value))
                copy[index] = blind_index(str(value), kind)
        sealed.append(copy)
    return sealed
