"""The signed-in user as a request sees it: a snapshot of its account, roles and groups.

FAB loads the user of every request from the security database (the account, its roles,
its groups and their roles: three ORM queries) although it rarely changes. The security
manager keeps one ``SignedInUser`` per account and process instead, valid while the
security change counter (``app.security_generation``) stays put: any change to an account,
role, group or permission, committed by any process, drops it. A disabled or deleted
account therefore gets no snapshot from the next request on.

The snapshot answers what FAB and the app ask of ``g.user``/``current_user`` (id, names,
e-mail, active, roles and groups by id and name, ``is_authenticated``, ``get_full_name``);
any other attribute (``last_login``, ``created_by``, …) is read from the ORM user, loaded
in the current request's session when first asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class RoleRef:
    """A role of the user: its id and name."""

    id: int
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, eq=False)
class GroupRef:
    """A group of the user and the group's roles."""

    id: int
    name: str
    roles: list[RoleRef]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, eq=False)
class SignedInUser:
    """A signed-in account's identity and roles; shared by the requests of a process."""

    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    active: bool
    roles: list[RoleRef]
    groups: list[GroupRef]
    role_names: frozenset[str] = field(default=frozenset())  # its roles' and groups' roles'

    @classmethod
    def of(cls, user: Any) -> SignedInUser:
        """The snapshot of an ORM ``User`` with its roles and groups loaded."""
        roles = [RoleRef(role.id, role.name) for role in user.roles]
        groups = [
            GroupRef(group.id, group.name, [RoleRef(role.id, role.name) for role in group.roles])
            for group in user.groups
        ]
        names = {role.name for role in roles} | {r.name for g in groups for r in g.roles}
        return cls(
            id=user.id,
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            active=bool(user.active),
            roles=roles,
            groups=groups,
            role_names=frozenset(names),
        )

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __str__(self) -> str:
        return self.get_full_name()

    def __getattr__(self, name: str) -> Any:
        """Anything else from the account as stored (``last_login``, ``created_by``, …)."""
        if name.startswith("_"):
            raise AttributeError(name)
        user = current_app.appbuilder.sm.get_user_by_id(self.id)  # type: ignore[attr-defined]
        if user is None:
            raise AttributeError(name)
        return getattr(user, name)
