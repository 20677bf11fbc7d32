"""Declarative node models: one declaration drives forms, lists, filters, REST and Cypher.

A node type is a ``NodeModel`` subclass listing its properties (``Prop``) and relations
(``Rel``), Django-admin style. Labels and relationship types come only from these
declarations and are checked against ``^[A-Z][A-Za-z0-9_]*$``; property names against
``^[a-z][a-z0-9_]*$``. A bad declaration fails at import with a message naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from graph.errors import ConfigError
from graph.model.kinds import FIELD_KINDS, FieldKind
from graph.store.composition import LABEL, PROPERTY

# A uid prefix: one to three capital letters, followed in every uid by the creation day and a
# daily serial (``graph.records.serials``), so a prefix never runs into the digits after it.
UID_PREFIX = re.compile(r"^[A-Z]{1,3}$")
# What happens to the records whose required relation points at a record being deleted.
ON_TARGET_DELETE = ("refuse", "cascade")

# Properties every node has, maintained by the repository, never edited in forms.
SYSTEM_PROPS = ("uid", "created_at", "updated_at", "version")


@dataclass(frozen=True)
class Choice:
    """One allowed value of a property, with its labels."""

    value: str
    en: str
    zh: str


@dataclass(frozen=True)
class Prop:
    """A node property."""

    name: str
    en: str
    zh: str
    kind: str = "string"
    required: bool = False
    unique: bool = False
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    default: Any = None
    pii: bool = False
    searchable: bool = True
    listed: bool = False
    indexed: bool = False
    # False for values the system computes (e.g. referral analytics): shown, filtered and
    # ordered like any other property, never offered in forms or accepted from REST.
    editable: bool = True
    # A date-time that starts as "now" when a record is created (prefilled in add forms,
    # taken when a REST client leaves it out).
    default_now: bool = False
    # An amount: the name of the property holding its currency code (screens show
    # "¥177,549.32"; stored and sent as a plain number).
    currency: str = ""
    description_en: str = ""
    description_zh: str = ""
    # Usable in segment rules (graph.segments.rules reads the operators from the kind).
    segment: bool = False

    @property
    def field_kind(self) -> FieldKind:
        """The registered kind (``graph.model.kinds``) of this property."""
        return FIELD_KINDS[self.kind]

    def choice_values(self) -> tuple[str, ...]:
        """The allowed values, in declaration order."""
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Rel:
    """A relation field: relationship ``type`` to ``target`` in ``direction``.

    ``direction="out"`` is ``(node)-[:TYPE]->(target)``; ``"in"`` is ``(target)-[:TYPE]->(node)``.
    """

    name: str
    en: str
    zh: str
    type: str
    target: str
    direction: str = "out"
    many: bool = False
    required: bool = False
    listed: bool = False
    searchable: bool = True
    editable: bool = True
    # Only for a required relation: deleting its target is refused while such records point
    # at it ("refuse"), or may delete them together with it ("cascade", an admin's choice
    # at delete time). Either way no record is left without its required target.
    on_target_delete: str = "refuse"
    # Usable in segment rules: "any"/"all" of many, "is" of one, "within" hops of a chain
    # to the node's own type (graph.segments.rules).
    segment: bool = False
    # The relationship type's own name, as the network explorer labels its edges (declared
    # on one relation of the type; relations of one type never name it differently).
    type_en: str = ""
    type_zh: str = ""


@dataclass(frozen=True)
class Meta:
    """A model's resolved declaration, built once at class creation."""

    label: str
    en: str
    zh: str
    en_plural: str
    zh_plural: str
    title: str
    props: tuple[Prop, ...]
    rels: tuple[Rel, ...]
    uid_prefix: str
    default_order: str
    by_name: dict[str, Prop | Rel] = field(default_factory=dict)

    def prop(self, name: str) -> Prop | None:
        """The property called ``name``, or None."""
        item = self.by_name.get(name)
        return item if isinstance(item, Prop) else None

    def rel(self, name: str) -> Rel | None:
        """The relation field called ``name``, or None."""
        item = self.by_name.get(name)
        return item if isinstance(item, Rel) else None


REGISTRY: dict[str, type[NodeModel]] = {}


class NodeModel:
    """Base of every node declaration; subclasses set the class attributes below."""

    label: ClassVar[str] = ""
    en: ClassVar[str] = ""
    zh: ClassVar[str] = ""
    en_plural: ClassVar[str] = ""
    zh_plural: ClassVar[str] = ""
    title: ClassVar[str] = "name"
    props: ClassVar[tuple[Prop, ...]] = ()
    rels: ClassVar[tuple[Rel, ...]] = ()
    # Every uid is assigned by the graph as prefix + YYYYMMDD + daily serial
    # (``graph.records.serials``): C20240520001, F20240520001. Each type declares its own prefix.
    uid_prefix: ClassVar[str] = ""
    default_order: ClassVar[str] = "name"
    # Relation fields from this type to the Customer whose owner decides who may see it
    # (() for Customer itself); None for shared reference data visible to all staff.
    scope_path: ClassVar[tuple[str, ...] | None] = None
    meta: ClassVar[Meta]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        label = cls.__dict__.get("label") or cls.__name__
        cls.label = label
        if label in REGISTRY:
            raise ConfigError(f"E001 node label {label!r} is declared twice")
        cls.meta = _build_meta(cls, label)
        REGISTRY[label] = cls


def _build_meta(cls: type[NodeModel], label: str) -> Meta:
    where = f"{cls.__module__}.{cls.__name__}"
    if not LABEL.match(label):
        raise ConfigError(f"E002 {where}: label {label!r} must match {LABEL.pattern}")
    if not isinstance(cls.props, tuple) or not isinstance(cls.rels, tuple):
        raise ConfigError(f"E003 {where}: props and rels must be tuples")
    by_name: dict[str, Prop | Rel] = {}
    for item in cls.props + cls.rels:
        if not PROPERTY.match(item.name) or item.name in SYSTEM_PROPS:
            raise ConfigError(f"E004 {where}: bad or reserved field name {item.name!r}")
        if item.name in by_name:
            raise ConfigError(f"E005 {where}: field {item.name!r} is declared twice")
        by_name[item.name] = item
    for prop in cls.props:
        if prop.kind not in FIELD_KINDS:
            raise ConfigError(
                f"E006 {where}.{prop.name}: kind {prop.kind!r} not in {tuple(FIELD_KINDS)}"
            )
        if prop.pii and (prop.unique or prop.indexed or prop.name == cls.title):
            # Stored encrypted (graph.security.pii): only its blind index can be matched or indexed,
            # and a title is shown unmasked in every select and relation.
            raise ConfigError(
                f"E014 {where}.{prop.name}: personal data (pii=True) cannot be unique, "
                "indexed or the title"
            )
        if prop.default_now and not prop.field_kind.moment:
            raise ConfigError(f"E016 {where}.{prop.name}: default_now needs kind date or datetime")
        if prop.pii and f"{prop.name}_bidx" in by_name:
            raise ConfigError(f"E015 {where}.{prop.name}_bidx is reserved for a blind index")
    for rel in cls.rels:
        if not LABEL.match(rel.type) or not LABEL.match(rel.target):
            raise ConfigError(f"E007 {where}.{rel.name}: bad relationship type or target")
        if rel.direction not in ("in", "out"):
            raise ConfigError(f"E008 {where}.{rel.name}: direction must be 'in' or 'out'")
        if rel.on_target_delete not in ON_TARGET_DELETE or (
            rel.on_target_delete != "refuse" and not rel.required
        ):
            raise ConfigError(
                f"E018 {where}.{rel.name}: on_target_delete must be one of {ON_TARGET_DELETE}, "
                "and other than 'refuse' only on a required relation"
            )
    if not UID_PREFIX.match(cls.uid_prefix or ""):
        raise ConfigError(
            f"E017 {where}: uid_prefix {cls.uid_prefix!r} must match {UID_PREFIX.pattern}"
        )
    if cls.title not in by_name or not isinstance(by_name[cls.title], Prop):
        raise ConfigError(f"E009 {where}: title {cls.title!r} is not a property")
    if cls.default_order not in by_name and cls.default_order not in SYSTEM_PROPS:
        raise ConfigError(f"E010 {where}: default_order {cls.default_order!r} is not a field")
    return Meta(
        label=label,
        en=cls.en or label,
        zh=cls.zh or label,
        en_plural=cls.en_plural or (cls.en or label) + "s",
        zh_plural=cls.zh_plural or cls.zh or label,
        title=cls.title,
        props=cls.props,
        rels=cls.rels,
        uid_prefix=cls.uid_prefix,
        default_order=cls.default_order,
        by_name=by_name,
    )


def check_registry(*other_prefixes: str) -> None:
    """Check cross-model references at start-up: every relation targets a declared label,
    relations of one type name it alike, and no two node types (nor the ``other_prefixes``
    of undeclared ones) share a uid prefix."""
    prefixes = [model.meta.uid_prefix for model in REGISTRY.values()] + list(other_prefixes)
    shared = sorted({p for p in prefixes if prefixes.count(p) > 1})
    if shared:
        raise ConfigError(f"E019 uid prefixes {shared} are declared by more than one node type")
    type_names: dict[str, tuple[str, str]] = {}
    for model in REGISTRY.values():
        for rel in model.meta.rels:
            if rel.target not in REGISTRY:
                raise ConfigError(
                    f"E011 {model.label}.{rel.name}: target {rel.target!r} is not a declared "
                    "node type"
                )
            if rel.type_en or rel.type_zh:
                names = type_names.setdefault(rel.type, (rel.type_en, rel.type_zh))
                if names != (rel.type_en, rel.type_zh):
                    raise ConfigError(
                        f"E020 {model.label}.{rel.name}: relationship type {rel.type} is "
                        f"named {names}, not {(rel.type_en, rel.type_zh)}"
                    )


def check_scope_paths() -> None:
    """Check that every scope path leads, relation by relation, to a Customer with an owner."""
    for model in REGISTRY.values():
        if model.scope_path is None:
            continue
        current = model
        for name in model.scope_path:
            rel = current.meta.rel(name)
            if rel is None:
                raise ConfigError(f"E012 {model.label}.scope_path: no relation {name!r}")
            current = REGISTRY[rel.target]
        if current.label != "Customer" or current.meta.rel("owner") is None:
            raise ConfigError(f"E013 {model.label}.scope_path does not end at Customer.owner")


def model_for(label: str) -> type[NodeModel]:
    """The declaration of ``label``."""
    return REGISTRY[label]


@dataclass(frozen=True)
class Dependant:
    """Records of ``model`` whose required relation ``rel`` points at another type's records."""

    model: type[NodeModel]
    rel: Rel


def dependants_of(label: str) -> tuple[Dependant, ...]:
    """The required relations of every declared type that point at ``label``, in
    declaration order: what must not be left behind when a ``label`` record is deleted."""
    return tuple(
        Dependant(model, rel)
        for model in REGISTRY.values()
        for rel in model.meta.rels
        if rel.required and rel.target == label
    )
