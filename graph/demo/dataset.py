"""A deterministic demo and benchmark dataset: customers, their people, history and referrals.

Node rows carry every property (``uid``, ``created_at``/``updated_at`` as ISO-8601 UTC
strings, ``version`` = 1); relationship rows are ``{"from": uid, "to": uid, **properties}``.
One ``random.Random(seed)`` drives everything in a fixed order: the same ``customers``,
``seed`` and ``today`` give the same rows, at once (``generate``) or in chunks of any size.

Customers are created on the days before ``today`` (never on it): over two years, or
longer for big sets so that no day holds more than 999 of them and the three-digit daily
serial of ``C20240520001`` holds. Referrals form a forest grown by preferential attachment:
a referrer is always created before the customer it refers, a customer has at most one
referrer, and the referrer is drawn from a pool that most referred customers join, so a
referral network grows in proportion to its size. At 1M customers (seed 7) that gives
~650k referrals, a largest network of ~84k customers and chains up to 24 hops deep, the
shape of a real word-of-mouth business.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from graph.clock import utc_now
from graph.demo import words as words

Row = dict[str, Any]

DAY = 86_400
EPOCH = dt.date(1970, 1, 1)
MAX_PER_DAY = 999  # the daily serial of a customer uid has three digits
MEAN_PER_DAY = 500  # beyond 730 days x 500 customers the span grows, not the daily load
MIN_SPAN_DAYS = 730
# Bumped whenever the rows a seed gives change, so loaded benchmark data is known stale
# (4: every phone valid by the app's rule).
GENERATOR_VERSION = 4
REFERRED_SHARE = 0.65  # of customers, once anyone can refer
# Who joins the pool of referrers: referred customers mostly do (they were happy enough to
# be referred and pass it on), customers found otherwise rarely. So a referral network grows
# in proportion to its size, and a few networks end up holding a large share of customers.
REFERS_IF_REFERRED = 0.95
REFERS_IF_NOT_REFERRED = 0.05
CONTACT_REFERS = 0.03  # a contact who recommends others to us
# Mainland mobile prefixes (the first three digits) the number plan allocates whole: each
# followed by any eight digits is a number the app's phone check
# (``graph.model.validation.Phone``) accepts. 154, 179 and the like are not allocated, and
# a demo record holding one could not be saved in its edit form.
MOBILE_PREFIXES = (
    *(f"13{d}" for d in range(10)),
    *(f"15{d}" for d in "012356789"),
    "166",
    *(f"17{d}" for d in "35678"),
    *(f"18{d}" for d in range(10)),
    *(f"19{d}" for d in "1589"),
)


@dataclass
class Dataset:
    """Node rows per label, then relationship rows per type (REFERRED per source label)."""

    users: list[Row] = field(default_factory=list)
    channels: list[Row] = field(default_factory=list)
    tags: list[Row] = field(default_factory=list)
    referrers: list[Row] = field(default_factory=list)
    customers: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    follow_ups: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    tickets: list[Row] = field(default_factory=list)
    reports_to: list[Row] = field(default_factory=list)
    part_of: list[Row] = field(default_factory=list)
    owns: list[Row] = field(default_factory=list)
    acquired_via: list[Row] = field(default_factory=list)
    tagged: list[Row] = field(default_factory=list)
    referred_from_customer: list[Row] = field(default_factory=list)
    referred_from_contact: list[Row] = field(default_factory=list)
    referred_from_referrer: list[Row] = field(default_factory=list)
    works_for: list[Row] = field(default_factory=list)
    about: list[Row] = field(default_factory=list)
    logged: list[Row] = field(default_factory=list)
    placed: list[Row] = field(default_factory=list)
    raised: list[Row] = field(default_factory=list)

    def extend(self, other: Dataset) -> None:
        """Append another dataset's rows (e.g. the next chunk) to this one's."""
        for item in fields(self):
            getattr(self, item.name).extend(getattr(other, item.name))

    def counts(self) -> dict[str, int]:
        """Rows per kind, keyed by field name."""
        return {item.name: len(getattr(self, item.name)) for item in fields(self)}


def generate(customers: int, *, seed: int = 7, today: dt.date | None = None) -> Dataset:
    """Build the whole dataset in memory (fine up to ~100k customers; else ``iter_chunks``)."""
    whole = Dataset()
    for chunk in iter_chunks(customers, seed=seed, today=today):
        whole.extend(chunk)
    return whole


def iter_chunks(
    customers: int, *, seed: int = 7, today: dt.date | None = None, chunk_size: int = 10_000
) -> Iterator[Dataset]:
    """Yield the dataset in pieces to load in order, so memory stays flat for any size.

    The first piece holds the users, channels, tags and external referrers; each next one
    about ``chunk_size`` customers (whole days) with their contacts, history and
    relationships. A relationship only names nodes of its own or an earlier piece.
    ``today`` defaults to the current UTC date.
    """
    if customers < 0:
        raise ValueError(f"customers must be 0 or more, not {customers}")
    today = today or utc_now().date()
    return _Builder(customers, seed, today).chunks(chunk_size)


@cache
def _day_text(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()


def iso(seconds: int) -> str:
    """Format epoch seconds as an ISO-8601 UTC string such as ``2025-03-04T09:15:00Z``."""
    day, rest = divmod(seconds, DAY)
    return f"{_day_text(day)}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"


def cap_per_day(counts: list[int], limit: int = MAX_PER_DAY) -> list[int]:
    """Move what exceeds ``limit`` on a day to the following days, the rest back to earlier ones.

    The total is kept, so the caller must offer room: ``len(counts) * limit >= sum(counts)``.
    """
    carry = 0
    for day in range(len(counts)):
        counts[day] += carry
        carry = max(0, counts[day] - limit)
        counts[day] -= carry
    for day in range(len(counts) - 1, -1, -1):
        moved = min(carry, limit - counts[day])
        counts[day] += moved
        carry -= moved
    return counts


class _Builder:
    """One generation run: the random stream and the counters and pools it carries along."""

    def __init__(self, customers: int, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.customers = customers
        self.end = (today - EPOCH).days * DAY  # midnight UTC starting ``today``
        self.days = max(MIN_SPAN_DAYS, math.ceil(customers / MEAN_PER_DAY))
        self.start = self.end - self.days * DAY
        # A counter times a key coprime with 10 is a bijection mod 10**8: unique numbers.
        self.phone_key = self.rng.randrange(10**8) * 10 + 3
        self.phones = 0
        self.serials = {"P": 0, "F": 0, "O": 0, "S": 0}
        self.channels = tuple(c[0] for c in words.CHANNELS for _ in range(c[4]))
        self.owners: list[str] = []  # reps three times, managers once
        self.staff: list[str] = []
        self.pool: list[tuple[str, str, str | None]] = []  # (Dataset field, uid, owner uid)
        self.pending: list[tuple[int, str]] = []  # external referrers, newest first

    def chunks(self, chunk_size: int) -> Iterator[Dataset]:
        yield self.fixed()
        piece = Dataset()
        for day, count in enumerate(self.day_counts()):
            midnight = self.start + day * DAY
            date = _day_text(midnight // DAY).replace("-", "")
            # Office hours in Beijing (UTC+8) are 01:00-11:00 UTC.
            seconds = sorted(self.rng.sample(range(3600, 11 * 3600), count))
            for serial, second in enumerate(seconds, start=1):
                self.customer(piece, f"C{date}{serial:03d}", midnight + second)
            if len(piece.customers) >= chunk_size:
                yield piece
                piece = Dataset()
        if piece.customers:
            yield piece

    def day_counts(self) -> list[int]:
        """Customers per day: weekdays busier than weekends, the business growing."""
        cumulative, total = [], 0.0
        for day in range(self.days):
            weekday = (self.start // DAY + day + 3) % 7  # 1970-01-01 was a Thursday
            total += (1.0 if weekday < 5 else 0.4) * (0.6 + 0.8 * day / self.days)
            cumulative.append(total)
        counts = [0] * self.days
        for done in range(0, self.customers, 100_000):  # bounded lists for millions
            picks = min(100_000, self.customers - done)
            for day in self.rng.choices(range(self.days), cum_weights=cumulative, k=picks):
                counts[day] += 1
        return cap_per_day(counts)

    def phone(self) -> str:
        """A mobile number in E.164, valid and unique (its last eight digits are, for the
        first 10**8 numbers of a run)."""
        self.phones += 1
        digits = (self.phones * self.phone_key + 27_182_818) % 10**8
        prefix = MOBILE_PREFIXES[self.phones % len(MOBILE_PREFIXES)]
        return f"+86{prefix}{digits:08d}"

    def uid(self, prefix: str) -> str:
        self.serials[prefix] += 1
        return f"{prefix}{self.serials[prefix]:08d}"

    def person(self, english: bool) -> tuple[str, str]:
        """A name and an ASCII handle: ``("李娜", "li.na")`` or ``("Emma Li", "emma.li")``."""
        rng = self.rng
        if english:
            given, surname = rng.choice(words.EN_GIVEN), rng.choice(words.EN_SURNAMES)
            return f"{given} {surname}", f"{given}.{surname}".lower()
        surname, surname_py = rng.choice(words.SURNAMES)
        given, given_py = rng.choice(words.GIVEN)
        return surname + given, f"{surname_py}.{given_py}"

    def zh_company(self, names: tuple[str, ...], city: str) -> tuple[str, str]:
        """A name such as 上海明远贸易有限公司 and a mail domain for it."""
        rng = self.rng
        (first, first_py), (second, second_py) = rng.sample(words.BRAND, 2)
        name = f"{city.removesuffix('市')}{first}{second}{rng.choice(names)}"
        name += rng.choice(words.ZH_SUFFIXES)
        return name, f"{first_py}{second_py}.example.com"

    def moment(self, after: int, fraction: float) -> int:
        """A time in Beijing office hours, ``fraction`` of the way from ``after`` to today."""
        day = (after + int((self.end - after) * fraction)) // DAY * DAY
        return max(day + self.rng.randrange(3600, 11 * 3600), after + 60)

    @staticmethod
    def node(uid: str, created: int, **props: Any) -> Row:
        stamp = iso(created)
        return {"uid": uid, **props, "created_at": stamp, "updated_at": stamp, "version": 1}

    def fixed(self) -> Dataset:
        """Users and their team tree, channels, tags and the external referrers."""
        rng, data = self.rng, Dataset()
        reps = min(300, max(6, self.customers // 40))
        managers = max(2, math.ceil(reps / 8))
        lead = managers + reps + 2  # the service lead's number; service agents follow
        usernames: set[str] = set()
        for number in range(1, lead + max(2, reps // 4) + 1):
            if number == 1:
                job, boss = 0, None
            elif number <= managers + 1:
                job, boss = 1, 1
            elif number < lead:
                job, boss = 2, 2 + (number - managers - 2) % managers
            else:
                job, boss = (3, 1) if number == lead else (4, lead)
            name, username = self.person(english=rng.random() < 0.15)
            handle, suffix = username, 1
            while username in usernames:
                suffix += 1
                username = f"{handle}{suffix}"
            usernames.add(username)
            uid = f"U{number:04d}"
            created = self.start - rng.randint(30, 700) * DAY + 3600
            data.users.append(
                self.node(
                    uid,
                    created,
                    username=username,
                    display_name=name,
                    title=words.STAFF_TITLES[job],
                    role="service" if job >= 3 else "sales",
                    phone=self.phone(),
                    email=f"{username}@example.com",
                )
            )
            if boss:
                data.reports_to.append({"from": uid, "to": f"U{boss:04d}"})
            self.owners += [uid] * (1 if job == 1 else 3 if job == 2 else 0)
            self.staff.append(uid)
        for uid, name, name_en, parent, _ in words.CHANNELS:
            data.channels.append(self.node(uid, self.start - 900 * DAY, name=name, name_en=name_en))
            if parent:
                data.part_of.append({"from": uid, "to": parent})
        for number, name in enumerate(words.TAGS, start=1):
            data.tags.append(self.node(f"T{number:02d}", self.start - 800 * DAY, name=name))
        first = self.start  # referral networks start small and grow with the business
        count = max(1, round(self.customers * 0.05))
        times = sorted(first + rng.randrange(self.end - first) for _ in range(count))
        for number, created in enumerate(times, start=1):
            uid = f"R{number:06d}"
            if rng.random() < 0.4:
                names, city = rng.choice(words.INDUSTRIES)[1], rng.choice(words.PLACES)[1]
                name = self.zh_company(names, city)[0]
                row = self.node(uid, created, name=name, kind="partner", phone=self.phone())
            else:
                name, handle = self.person(english=rng.random() < 0.1)
                row = self.node(uid, created, name=name, kind="person", phone=self.phone())
                row["email"] = f"{handle}{number}@example.com"
            data.referrers.append(row)
            self.pending.append((created, uid))
        self.pending.reverse()  # pop() gives the oldest
        return data

    def customer(self, data: Dataset, uid: str, created: int) -> None:
        """One customer with its owner, channel, tags, referral, contacts and history."""
        rng, stamp = self.rng, iso(created)
        while self.pending and self.pending[-1][0] < created:
            # A partner counts twice: referring is its business.
            self.pool += [("referred_from_referrer", self.pending.pop()[1], None)] * 2
        industry, zh_names, en_names = rng.choice(words.INDUSTRIES)
        region, city, districts = rng.choice(words.PLACES)
        roll = rng.random()
        kind = "person" if roll < 0.3 else "company"
        english = roll > 0.85 or roll < 0.03
        if kind == "person":
            name, handle = self.person(english)
            domain, email = "", f"{handle}{rng.randrange(1000)}@example.com"
        elif english:
            brand, line = rng.choice(words.EN_BRANDS), rng.choice(en_names)
            middle, suffix = rng.choice(words.EN_MIDDLES), rng.choice(words.EN_SUFFIXES)
            name, domain = f"{brand} {middle}{line} {suffix}", f"{brand}{line}.example.com".lower()
            email = f"info@{domain}"
        else:
            name, domain = self.zh_company(zh_names, city)
            email = f"sales@{domain}"
        stage, tier = rng.choice(words.STAGES), rng.choice(words.TIERS)
        street = f"{rng.choice(districts)}{rng.choice(words.ROADS)}{rng.randint(1, 999)}号"
        data.customers.append(
            self.node(
                uid,
                created,
                name=name,
                kind=kind,
                stage=stage,
                industry=industry,
                region=region,
                address=region + street,
                value_tier=tier,
                status="active",
                phone=self.phone(),
                email=email,
            )
        )
        owner, channel, referred = rng.choice(self.owners), None, False
        if self.pool and rng.random() < REFERRED_SHARE:
            source, referred = rng.choice(self.pool), True
            getattr(data, source[0]).append({"from": source[1], "to": uid, "at": stamp})
            if source[2] and rng.random() < 0.6:
                owner = source[2]  # the referrer's owner often takes the new customer
            if rng.random() < 0.85:
                channel = words.REFERRAL_CHANNEL if source[2] else words.PARTNER_CHANNEL
        data.owns.append({"from": owner, "to": uid, "since": stamp})
        data.acquired_via.append({"from": uid, "to": channel or rng.choice(self.channels)})
        if rng.random() < (REFERS_IF_REFERRED if referred else REFERS_IF_NOT_REFERRED):
            self.pool.append(("referred_from_customer", uid, owner))
        tags = rng.sample(range(1, len(words.TAGS) + 1), rng.choice((0, 0, 1, 1, 1, 2, 2, 3)))
        for tag in tags:
            at = iso(self.moment(created, rng.random()))
            data.tagged.append({"from": uid, "to": f"T{tag:02d}", "at": at, "by": owner})
        if kind == "company":
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                self.contact(data, uid, created, owner, domain, english)
        self.history(data, uid, created, owner, stage, tier)

    def contact(
        self, data: Dataset, customer: str, created: int, owner: str, domain: str, english: bool
    ) -> None:
        """A contact working for a company customer; a few of them refer others later."""
        uid = self.uid("P")
        name, handle = self.person(english)
        title, phone = self.rng.choice(words.TITLES), self.phone()
        row = self.node(uid, created, name=name, title=title, phone=phone)
        row["email"] = f"{handle}@{domain}"
        data.contacts.append(row)
        data.works_for.append({"from": uid, "to": customer})
        if self.rng.random() < CONTACT_REFERS:
            self.pool.append(("referred_from_contact", uid, owner))

    def history(
        self, data: Dataset, customer: str, created: int, owner: str, stage: str, tier: str
    ) -> None:
        """Follow-ups, orders and tickets, all between the customer's creation and today."""
        rng = self.rng
        low, high = words.FOLLOW_UPS_BY_STAGE[stage]
        # Squaring the fraction crowds follow-ups into the first weeks, as in real sales.
        times = sorted(
            self.moment(created, rng.random() ** 2) for _ in range(rng.randint(low, high))
        )
        for at in times:
            uid, method = self.uid("F"), rng.choice(words.METHODS)
            data.follow_ups.append(
                self.node(
                    uid,
                    at,
                    at=iso(at),
                    method=method,
                    summary=rng.choice(words.SUMMARIES[method]),
                    feedback=rng.choice(words.FEEDBACK),
                    next_step=rng.choice(words.NEXT_STEPS),
                    next_due=iso(at + rng.randint(2, 30) * DAY),
                )
            )
            data.about.append({"from": uid, "to": customer})
            author = owner if rng.random() < 0.85 else rng.choice(self.staff)
            data.logged.append({"from": author, "to": uid})
        if stage == "deal":
            low_amount, high_amount = words.TIER_AMOUNT[tier]
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
                uid, at = self.uid("O"), self.moment(created, rng.random())
                product, factor = rng.choice(words.PRODUCTS)
                amount = round(rng.uniform(low_amount, high_amount) * factor, 2)
                data.orders.append(
                    self.node(uid, at, amount=amount, currency="CNY", at=iso(at), product=product)
                )
                data.placed.append({"from": customer, "to": uid})
        if rng.random() < (0.3 if stage == "deal" else 0.05):
            uid, at = self.uid("S"), self.moment(created, rng.random())
            row = self.node(uid, at, subject=rng.choice(words.SUBJECTS), status="closed")
            if self.end - at < 30 * DAY and rng.random() < 0.6:
                row["status"] = "open"
            else:
                row["satisfaction"] = rng.choices(*words.SATISFACTION)[0]
            data.tickets.append(row)
            data.raised.append({"from": customer, "to": uid})
