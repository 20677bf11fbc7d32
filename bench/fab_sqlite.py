"""The baseline of the list benchmark: a stock Flask-AppBuilder app on SQLAlchemy + SQLite.

The same customers as the graph (same generator, seed and day), with what a FAB user would
model for them: integer primary keys, the owner, channel and referrer (customer, contact or
external referrer) as foreign keys, tags as a many-to-many table, and indexes on ``uid``
(unique), ``name``, ``stage`` and ``owner_id``, as the graph has on ``uid``, ``name`` and
``stage`` and the OWNS relationships. The views are FAB's own ``ModelView`` and
``ModelRestApi`` on ``SQLAInterface``, nothing tuned; both list the columns of our list view
(the API can be given our API's whole payload instead, see ``FULL_API_COLUMNS``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder, Model, ModelRestApi, ModelView
from flask_appbuilder.const import AUTH_DB
from flask_appbuilder.models.sqla.base import SQLA
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, create_engine
from sqlalchemy.orm import relationship

from graph.demo.dataset import Dataset
from graph.model.base import SYSTEM_PROPS, model_for
from graph.model.nodes import Customer as GraphCustomer

PAGE_SIZE = 25
SCHEMA_VERSION = 2  # bump when the tables change: a reused data folder rebuilds its SQLite
# The columns our generated customer list shows, in its order (uid first, then the listed
# properties and relations of the declaration), so both lists render the same cells.
LIST_COLUMNS = ["uid"] + [
    item.name for item in (*GraphCustomer.meta.props, *GraphCustomer.meta.rels) if item.listed
]
SEARCH_COLUMNS = [
    "uid", "name", "kind", "stage", "industry", "region", "value_tier", "status", "phone",
    "email", "owner", "channel", "tags",
]  # fmt: skip

customer_tag = Table(
    "bench_customer_tag",
    Model.metadata,
    Column("customer_id", Integer, ForeignKey("bench_customer.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("bench_tag.id"), primary_key=True),
)


class Staff(Model):
    """A customer owner (the graph's User node)."""

    __tablename__ = "bench_user"
    id = Column(Integer, primary_key=True)
    uid = Column(String(16), unique=True, nullable=False)
    username = Column(String(64), unique=True, nullable=False)
    display_name = Column(String(100), nullable=False)
    title = Column(String(100))

    def __str__(self) -> str:
        return str(self.display_name)


class Channel(Model):
    """An acquisition channel."""

    __tablename__ = "bench_channel"
    id = Column(Integer, primary_key=True)
    uid = Column(String(16), unique=True, nullable=False)
    name = Column(String(100), unique=True, nullable=False)

    def __str__(self) -> str:
        return str(self.name)


class Tag(Model):
    """A label put on customers."""

    __tablename__ = "bench_tag"
    id = Column(Integer, primary_key=True)
    uid = Column(String(16), unique=True, nullable=False)
    name = Column(String(50), unique=True, nullable=False)

    def __str__(self) -> str:
        return str(self.name)


class Referrer(Model):
    """A person or partner who refers customers."""

    __tablename__ = "bench_referrer"
    id = Column(Integer, primary_key=True)
    uid = Column(String(16), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    kind = Column(String(20))

    def __str__(self) -> str:
        return str(self.name)


class Contact(Model):
    """A person at a company customer (only what a referral needs)."""

    __tablename__ = "bench_contact"
    id = Column(Integer, primary_key=True)
    uid = Column(String(16), unique=True, nullable=False)
    name = Column(String(100), nullable=False)
    customer_id = Column(Integer, ForeignKey("bench_customer.id"))

    def __str__(self) -> str:
        return str(self.name)


class Customer(Model):
    """The customer master record, as a FAB user would declare it."""

    __tablename__ = "bench_customer"
    id = Column(Integer, primary_key=True)
    uid = Column(String(16), unique=True, nullable=False)
    name = Column(String(200), nullable=False, index=True)
    kind = Column(String(20))
    stage = Column(String(20), nullable=False, index=True)
    industry = Column(String(100))
    region = Column(String(100))
    address = Column(Text)
    value_tier = Column(String(4))
    status = Column(String(20))
    phone = Column(String(32))
    email = Column(String(200))
    owner_id = Column(Integer, ForeignKey("bench_user.id"), index=True)
    owner = relationship(Staff)
    channel_id = Column(Integer, ForeignKey("bench_channel.id"))
    channel = relationship(Channel)
    tags = relationship(Tag, secondary=customer_tag)
    referred_by_id = Column(Integer, ForeignKey("bench_customer.id"))
    referred_by = relationship("Customer", remote_side=[id])
    referred_by_contact_id = Column(Integer, ForeignKey("bench_contact.id"))
    referred_by_contact = relationship(Contact, foreign_keys=[referred_by_contact_id])
    referred_by_referrer_id = Column(Integer, ForeignKey("bench_referrer.id"))
    referred_by_referrer = relationship(Referrer)
    created_at = Column(String(20))
    updated_at = Column(String(20))
    version = Column(Integer)

    def __str__(self) -> str:
        return str(self.name)


CUSTOMER_COLUMNS = (
    "id", "uid", "name", "kind", "stage", "industry", "region", "address", "value_tier",
    "status", "phone", "email", "owner_id", "channel_id", "referred_by_id",
    "referred_by_contact_id", "referred_by_referrer_id", "created_at", "updated_at", "version",
)  # fmt: skip
TABLES = [
    Staff.__table__,
    Channel.__table__,
    Tag.__table__,
    Referrer.__table__,
    Contact.__table__,
    Customer.__table__,
    customer_tag,
]
# Our REST list returns the system properties, every property and every relation as
# {uid, title}. The stock API lists the columns of the list view by default (less work than
# ours: relations dump as ids); "full" gives it our payload through dotted columns, which
# makes FAB eager-join the tags in a form SQLite plans badly (see the README).
FULL_API_COLUMNS = [
    *SYSTEM_PROPS,
    *(p.name for p in GraphCustomer.meta.props),
    *(
        f"{rel.name}.{key}"
        for rel in GraphCustomer.meta.rels
        for key in ("uid", model_for(rel.target).meta.title)
    ),
]


class CustomerView(ModelView):
    """FAB's stock list/show/edit screens for customers."""

    datamodel = SQLAInterface(Customer)
    route_base = "/customer"
    list_columns = LIST_COLUMNS
    search_columns = SEARCH_COLUMNS
    page_size = PAGE_SIZE
    base_order = ("name", "asc")


class CustomerApi(ModelRestApi):
    """FAB's stock REST API for customers."""

    datamodel = SQLAInterface(Customer)
    resource_name = "customer"
    list_columns = LIST_COLUMNS
    search_columns = SEARCH_COLUMNS
    page_size = PAGE_SIZE


def create_stock_app(database: Path, api_columns: str = "list") -> Flask:
    """A minimal FAB app on ``database``: security tables, the customer view and API.

    ``api_columns``: "list" (the list view's columns) or "full" (our API's payload).
    """
    api = CustomerApi
    if api_columns == "full":
        api = type("CustomerApi", (CustomerApi,), {"list_columns": FULL_API_COLUMNS})
    app = Flask(__name__, instance_path=str(database.parent))
    app.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        SECRET_KEY="bench-only-not-a-secret-" + "x" * 24,
        AUTH_TYPE=AUTH_DB,
        AUTH_ROLE_ADMIN="Admin",
        AUTH_ROLE_PUBLIC="Public",
        FAB_ADD_SECURITY_API=True,
        FAB_UPDATE_PERMS=True,
        WTF_CSRF_ENABLED=True,
        TESTING=True,
    )
    db = SQLA()
    db.init_app(app)
    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        appbuilder.add_view(CustomerView, "Customers")
        appbuilder.add_api(api)
        appbuilder.post_init()
    return app


class SQLiteBuilder:
    """Write the customers of dataset chunks (as the graph loader receives them) to SQLite."""

    def __init__(self, database: Path) -> None:
        database.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{database}")
        Model.metadata.create_all(engine, tables=TABLES)
        engine.dispose()
        self.connection = sqlite3.connect(database)
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.ids: dict[str, dict[str, int]] = {
            kind: {} for kind in ("user", "channel", "tag", "referrer", "contact", "customer")
        }

    @property
    def customers(self) -> int:
        return len(self.ids["customer"])

    def _number(self, kind: str, uid: str) -> int:
        ids = self.ids[kind]
        ids[uid] = len(ids) + 1
        return ids[uid]

    def add(self, chunk: Dataset) -> None:
        """Insert one chunk's rows that the customer list and API show."""
        db, ids = self.connection, self.ids
        db.executemany(
            "INSERT INTO bench_user (id, uid, username, display_name, title) VALUES (?,?,?,?,?)",
            [
                (self._number("user", u["uid"]), u["uid"], u["username"], u["display_name"],
                 u.get("title"))
                for u in chunk.users
            ],
        )  # fmt: skip
        for kind, rows in (("channel", chunk.channels), ("tag", chunk.tags)):
            db.executemany(
                f"INSERT INTO bench_{kind} (id, uid, name) VALUES (?,?,?)",
                [(self._number(kind, row["uid"]), row["uid"], row["name"]) for row in rows],
            )
        db.executemany(
            "INSERT INTO bench_referrer (id, uid, name, kind) VALUES (?,?,?,?)",
            [
                (self._number("referrer", r["uid"]), r["uid"], r["name"], r.get("kind"))
                for r in chunk.referrers
            ],
        )
        for c in chunk.customers:
            self._number("customer", c["uid"])
        employer = {row["from"]: row["to"] for row in chunk.works_for}
        db.executemany(
            "INSERT INTO bench_contact (id, uid, name, customer_id) VALUES (?,?,?,?)",
            [
                (self._number("contact", c["uid"]), c["uid"], c["name"],
                 ids["customer"].get(employer.get(c["uid"], "")))
                for c in chunk.contacts
            ],
        )  # fmt: skip
        links: dict[str, dict[str, int]] = {
            "owner": {row["to"]: ids["user"][row["from"]] for row in chunk.owns},
            "channel": {row["from"]: ids["channel"][row["to"]] for row in chunk.acquired_via},
        }
        for field, kind, rows in (
            ("referred_by", "customer", chunk.referred_from_customer),
            ("referred_by_contact", "contact", chunk.referred_from_contact),
            ("referred_by_referrer", "referrer", chunk.referred_from_referrer),
        ):
            links[field] = {row["to"]: ids[kind][row["from"]] for row in rows}
        rows: list[tuple[Any, ...]] = []
        for c in chunk.customers:
            uid = c["uid"]
            rows.append(
                (
                    ids["customer"][uid], uid, c["name"], c.get("kind"), c["stage"],
                    c.get("industry"), c.get("region"), c.get("address"), c.get("value_tier"),
                    c.get("status"), c.get("phone"), c.get("email"),
                    links["owner"].get(uid), links["channel"].get(uid),
                    links["referred_by"].get(uid), links["referred_by_contact"].get(uid),
                    links["referred_by_referrer"].get(uid),
                    c["created_at"], c["updated_at"], c["version"],
                )
            )  # fmt: skip
        db.executemany(
            f"INSERT INTO bench_customer ({', '.join(CUSTOMER_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(CUSTOMER_COLUMNS))})",
            rows,
        )
        db.executemany(
            "INSERT INTO bench_customer_tag (customer_id, tag_id) VALUES (?,?)",
            [(ids["customer"][row["from"]], ids["tag"][row["to"]]) for row in chunk.tagged],
        )

    def close(self) -> None:
        """Commit and close."""
        self.connection.commit()
        self.connection.close()


def build(database: Path, chunks: Iterable[Dataset]) -> int:
    """Build the SQLite database from dataset chunks; returns the number of customers."""
    builder = SQLiteBuilder(database)
    try:
        for chunk in chunks:
            builder.add(chunk)
    finally:
        builder.close()
    return builder.customers
