"""Looking up the records an import row names: owners by username or display name,
channels and tags by name (tags created on demand when the importer may), customers by
name or uid, among the records the importer may see. Small reference sets (users,
channels, tags) are cached for the import."""

from __future__ import annotations

from collections.abc import Iterable

from graph.clock import Clock, utc_now
from graph.model.base import NodeModel, Rel, model_for
from graph.model.validation import Message
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope, scope_conditions
from graph.store.protocol import GraphStore
from graph.store.templates import render

# The uid a preview gives a tag the import would create.
NEW_TAG = "(new)"
# Related types looked up once per import and kept (few records each).
CACHED = frozenset({"User", "Channel", "Tag"})
# Related types an import creates when a row names one that does not exist (when allowed).
# They are shared: undo deletes one only if nothing links to it any more.
ON_DEMAND = frozenset({"Tag"})


class UnresolvedName(Exception):
    """A named record is missing or ambiguous; ``message`` says which."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.key)
        self.message = message


def find_by_titles(
    store: GraphStore, model: type[NodeModel], prop: str, uids: Iterable[str], titles: Iterable[str]
) -> list[tuple[str, str]]:
    """(uid, title) of the ``model`` records whose uid is in ``uids`` or whose ``prop`` is
    in ``titles`` (one round trip)."""
    statement = render(store.cypher.get("import_find_by_titles"), Label=model.label, prop=prop)
    rows = store.read(statement, uids=sorted(set(uids)), titles=sorted(set(titles)))
    return [(row["uid"], str(row["title"] or "")) for row in rows]


class Resolver:
    """Turns names and uids in relation cells into uids, for one import (a ``dry_run``
    creates no tags: it answers ``NEW_TAG`` for those it would create). The tags it creates
    carry the import id ``import_id``, for the import's undo."""

    def __init__(
        self,
        store: GraphStore,
        cipher: FieldCipher | None,
        actor: str,
        *,
        create_tags: bool,
        scope: Scope | None = None,
        import_id: str = "",
        dry_run: bool = False,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.actor = actor
        self.create_tags = create_tags
        self.scope = scope or Scope.everything()
        self.import_id = import_id
        self.dry_run = dry_run
        self.clock = clock
        self.cache: dict[str, dict[str, list[str]]] = {}

    def prepare(self, rel: Rel, names: set[str]) -> dict[str, list[str]]:
        """name or uid -> the uids it names, for the ``names`` of one batch; tags missing
        are created when allowed."""
        target = model_for(rel.target)
        known = self.cache.setdefault(target.label, {}) if target.label in CACHED else {}
        todo = {n for n in names if n not in known}
        if todo:
            self._load(target, todo, known)
            missing = {n for n in todo if not known.get(n)}
            creates = bool(missing) and target.label in ON_DEMAND and self.create_tags
            if creates and self.dry_run:
                for name in missing:
                    known[name] = [NEW_TAG]  # a preview: the import will create it
            elif creates:
                repository = NodeRepository(
                    self.store, target, clock=self.clock, cipher=self.cipher
                )
                for name in sorted(missing):
                    created = repository.create(
                        {"name": name}, self.actor, import_id=self.import_id
                    )
                    known[name] = [created.uid or ""]
        return known

    def _load(self, target: type[NodeModel], names: set[str], known: dict[str, list[str]]) -> None:
        props = ("username", "display_name") if target.label == "User" else (target.meta.title,)
        found = [
            pair
            for prop in props
            for pair in find_by_titles(self.store, target, prop, names, names)
        ]
        if found and self.scope.limits(target):
            # Only the records the importer may see are named: another team's customer
            # of the same name is neither a match nor an ambiguity (which would say that it
            # exists); its uid reads as unknown.
            repository = NodeRepository(self.store, target, cipher=self.cipher)
            conditions = scope_conditions(target, self.scope)
            visible = repository.titles(sorted({uid for uid, _ in found}), conditions)
            found = [(uid, title) for uid, title in found if uid in visible]
        for uid, title in found:
            for key in (uid, title):
                if key in names and uid not in known.setdefault(key, []):
                    known[key].append(uid)

    @staticmethod
    def pick(rel: Rel, value: str | list[str], known: dict[str, list[str]]) -> list[str]:
        """The uids a cell names (``UnresolvedName`` when a name is unknown or ambiguous)."""
        names = value if isinstance(value, list) else [value]
        uids: list[str] = []
        for name in names:
            found = known.get(name) or []
            if not found:
                meta = model_for(rel.target).meta
                what = {"what": meta.en.lower(), "what_zh": meta.zh}
                raise UnresolvedName(Message("import_not_found_named", name=name, **what))
            if len(found) > 1:
                raise UnresolvedName(Message("import_ambiguous", name=name, count=len(found)))
            uids.append(found[0])
        return list(dict.fromkeys(uids))
