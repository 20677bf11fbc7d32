"""The graph's mirror of the security store's accounts: one ``User`` node per account.

Accounts, roles and passwords live in the SQL security store; the graph keeps a ``User``
node per account, keyed by the account id (``user_id``), so that ownership (``OWNS``) and
the team hierarchy (``REPORTS_TO``) are traversals. Because the key is the id, renaming an
account renames the same node and its relationships stay. A node is never deleted: a
deleted account's node turns inactive, keeps its relationships (ownership history
survives) and keeps the old id only as ``deleted_user_id``, so an account that later gets
the same id (SQLite reuses the highest id) never inherits it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.clock import utc_now
from graph.model.nodes import User
from graph.model.records import ISO_DATETIME
from graph.records.history import FieldChange, history_entry
from graph.records.repository import check_unique_key
from graph.records.serials import next_uid
from graph.security.pii import open_props, seal_props
from graph.store.protocol import GraphStore
from graph.store.templates import render

if TYPE_CHECKING:
    from graph.security.crypto import FieldCipher

# Fields of an account that the node mirrors (besides ``user_id``).
MIRRORED = ("username", "display_name", "email", "active")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Account:
    """The fields of a security-store account that the graph mirrors."""

    user_id: int
    username: str
    display_name: str
    email: str | None
    active: bool


@dataclass(frozen=True)
class MirrorResult:
    """What ``mirror_user`` did to the account's node."""

    uid: str
    changed: bool
    created: bool


@dataclass(frozen=True)
class SyncReport:
    """What ``sync_users`` did: accounts mirrored, nodes changed, nodes retired."""

    mirrored: int
    changed: int
    retired: int


def display_name(first_name: str | None, last_name: str | None) -> str:
    """An account's name as people write it: "Ada Lovelace", or "张三" (family name first)."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if _CJK.search(first) and _CJK.search(last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def _stamp(now: dt.datetime | None) -> str:
    return (now or utc_now()).astimezone(dt.UTC).strftime(ISO_DATETIME)


def _change(
    action: str, stamp: str, actor: str, changes: list[FieldChange], cipher: FieldCipher | None
) -> dict[str, Any]:
    """A history entry in the repository's shape, personal data sealed (no audit intent:
    account changes are audited by the security store's own events)."""
    return history_entry(User, action, stamp, actor, changes, cipher)


def mirror_user(
    store: GraphStore,
    user_id: int,
    username: str,
    display_name: str,
    email: str | None,
    active: bool,
    *,
    actor: str = "system",
    now: dt.datetime | None = None,
    cipher: FieldCipher | None = None,
    timezone: dt.tzinfo = dt.UTC,
) -> MirrorResult:
    """Create or update the ``User`` node of account ``user_id``; idempotent.

    A username change renames the node of that id (relationships stay). A node of the same
    username that mirrors no account yet (made in the graph before the account existed) is
    adopted; another account's node holding the username is renamed ``name#id`` to free it.
    Nothing is written when the node already matches. With a ``cipher`` the e-mail address
    (personal data) is stored encrypted with its blind index, as the repository stores it.
    A new node's uid is allocated like every record's (``graph.records.serials``, days counted in
    ``timezone``).
    """
    check_unique_key(User.label, "username", username)
    wanted = {
        "username": username,
        "display_name": display_name or username,
        "email": email or None,
        "active": bool(active),
    }
    row = store.read("user_mirror_get", user_id=user_id, username=username)[0]
    node, free = (open_props(User, n, cipher) if n else None for n in (row["n"], row["free"]))
    base = node or free
    if node is not None and all(node.get(key) == wanted[key] for key in MIRRORED):
        return MirrorResult(uid=node["uid"], changed=False, created=False)
    moment = now or utc_now()
    stamp = _stamp(moment)
    current = base or {}
    changes = [
        FieldChange(key, current.get(key), value)
        for key, value in wanted.items()
        if current.get(key) != value
    ]
    change = _change("update" if base else "create", stamp, actor, changes, cipher)
    stored = {"email_bidx": None, **wanted, **seal_props(User, {"email": wanted["email"]}, cipher)}
    uid = current.get("uid") or next_uid(store, User.meta.uid_prefix, moment, timezone)
    with store.unit_of_work() as unit:
        if current.get("username") != username:
            unit.write("user_mirror_release", user_id=user_id, username=username, now=stamp)
        if node is None and free is not None:
            unit.write("user_mirror_adopt", uid=free["uid"], user_id=user_id)
        unit.write(
            "user_mirror_upsert", user_id=user_id, uid=uid, now=stamp, change=change, **stored
        )
    written = unit.results[-1][0]["n"]
    return MirrorResult(uid=written["uid"], changed=True, created=base is None)


def mirror_account(
    store: GraphStore,
    account: Account,
    *,
    actor: str = "system",
    cipher: FieldCipher | None = None,
    timezone: dt.tzinfo = dt.UTC,
) -> MirrorResult:
    """``mirror_user`` for an ``Account``."""
    return mirror_user(
        store,
        account.user_id,
        account.username,
        account.display_name,
        account.email,
        account.active,
        actor=actor,
        cipher=cipher,
        timezone=timezone,
    )


def retire_user(
    store: GraphStore, user_id: int, *, actor: str = "system", now: dt.datetime | None = None
) -> bool:
    """Mark the node of the deleted account ``user_id`` inactive, keeping it and its links.

    Returns False when no node mirrors that account.
    """
    stamp = _stamp(now)
    changes = [FieldChange("active", None, False), FieldChange("user_id", user_id, None)]
    change = _change("update", stamp, actor, changes, None)
    return bool(store.write("user_mirror_retire", user_id=user_id, now=stamp, change=change))


def sync_users(
    store: GraphStore,
    accounts: Iterable[Account],
    *,
    actor: str = "system",
    cipher: FieldCipher | None = None,
    timezone: dt.tzinfo = dt.UTC,
) -> SyncReport:
    """Bring the graph in step with the security store's full list of ``accounts``.

    Every account is mirrored; nodes of accounts that no longer exist are retired. Repairs
    whatever an interrupted or failed mirror write left behind.
    """
    mirrored = changed = 0
    seen: set[int] = set()
    for account in accounts:
        result = mirror_account(store, account, actor=actor, cipher=cipher, timezone=timezone)
        seen.add(account.user_id)
        mirrored += 1
        changed += result.changed
    retired = 0
    for row in store.read("user_mirror_list"):
        if row["user_id"] not in seen:
            retired += retire_user(store, row["user_id"], actor=actor)
    return SyncReport(mirrored=mirrored, changed=changed, retired=retired)


def team_uids(store: GraphStore, username: str) -> set[str]:
    """The uids of the users in ``username``'s team: themself and whoever reports to them,
    directly or through others (empty when there is no such user)."""
    team = User.meta.rel("manager")
    assert team is not None, "User.manager: the team relation is declared"
    statement = render(store.cypher.get("user_list_team"), Label=User.label, REL=team.type)
    return {row["uid"] for row in store.read(statement, username=username)}
