"""The constraints and indexes the node declarations ask for, rendered for one dialect.

Every declared node type gets a unique ``uid``; a property declared ``unique=True`` gets a
unique constraint, ``indexed=True`` an index, and personal data (``pii=True``, stored
encrypted) an index on its blind index. They are rendered from the dialect's templates
(``cypher/<dialect>/schema_index_create.cypher`` and ``schema_unique_create.cypher``) and
follow the dialect's schema file, which holds only what no declaration covers (segments,
history entries, serials, consents, the user mirror's ``user_id``, creation times).
"""

from __future__ import annotations

from graph.model import nodes  # noqa: F401  (declares the node types in REGISTRY)
from graph.model.base import REGISTRY
from graph.security.pii import index_name
from graph.store.protocol import GraphStore
from graph.store.schema import SchemaItem, SchemaReport, schema_item, schema_status
from graph.store.statements import CypherLibrary, ScriptStatement
from graph.store.templates import render

INDEX, UNIQUE = "INDEX", "UNIQUE"
TEMPLATES = {INDEX: "schema_index_create", UNIQUE: "schema_unique_create"}
# FalkorDB builds a unique constraint on an index that must exist first; Neo4j builds its
# own index for a constraint (and refuses a second one on the same property).
INDEX_UNDER_UNIQUE = frozenset({"falkordb"})


def declared_items() -> list[SchemaItem]:
    """What the declarations ask for, per node type: its uid, then its properties in order."""
    items: list[SchemaItem] = []
    for model in REGISTRY.values():
        items.append((UNIQUE, model.label, "uid"))
        for prop in model.meta.props:
            if prop.unique:
                items.append((UNIQUE, model.label, prop.name))
            elif prop.indexed:
                items.append((INDEX, model.label, prop.name))
            if prop.pii:
                items.append((INDEX, model.label, index_name(prop.name)))
    return items


def schema_statements(cypher: CypherLibrary) -> list[ScriptStatement]:
    """The dialect's schema file, then a statement per declared item, in order."""
    statements = list(cypher.schema())
    for kind, label, prop in declared_items():
        kinds = (
            [INDEX, UNIQUE] if kind == UNIQUE and cypher.dialect in INDEX_UNDER_UNIQUE else [kind]
        )
        for each in kinds:
            template = cypher.get(TEMPLATES[each])
            text = render(template, Label=label, prop=prop).text
            statements.append(ScriptStatement(template.path, template.first_line, text))
    return statements


def expected_items(cypher: CypherLibrary) -> list[SchemaItem]:
    """Every constraint and index the schema asks for, as (kind, label, property)."""
    items = (schema_item(statement.text) for statement in schema_statements(cypher))
    return [item for item in items if item is not None]


def apply_schema(store: GraphStore) -> list[str]:
    """Create the whole schema on ``store`` idempotently; a line per statement."""
    return store.apply_schema(schema_statements(store.cypher))


def schema_report(store: GraphStore) -> SchemaReport:
    """Which of the schema's constraints and indexes the engine has (and is building)."""
    return schema_status(store, expected_items(store.cypher))
