"""Channel attribution: which channels start the referral chains that end in revenue.

Per ``Channel``: the customers acquired directly through it (``ACQUIRED_VIA``) and their
order revenue, and the customers reached from those through referrals (``REFERRED``, up to
``max_depth`` hops) with their revenue, raw and decayed: a customer ``h`` hops down counts
``revenue * decay ** h``. A reached customer counts once per channel, at its nearest hop,
and not at all for a channel it was acquired through directly; a referral loop therefore
neither hangs (paths never repeat a relationship) nor counts anyone twice. A customer may be
reached from several channels and counts for each (influence, not a split of revenue), so
the referred columns are not additive across channels. Only ``Customer`` referrers start
chains here: a chain begun by a ``Contact`` or ``Referrer`` belongs to no channel.

Walking every chain takes seconds on a million customers, so ``graphcrm analytics refresh``
also computes the referred part for every hop (``referred_by_hop``: the nearest hop does
not depend on the depth asked for, so one table answers every depth and decay) and stores it
on the channels. ``channel_attribution`` answers from that table when a refresh has stored
one (``as_of`` says when), and walks the chains live when asked to or when none has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.errors import InvalidValue
from graph.store.composition import with_bound
from graph.store.protocol import GraphStore

MAX_DEPTH = 10
DEFAULT_DEPTH = MAX_DEPTH
DEFAULT_DECAY = 0.5


@dataclass(frozen=True)
class ChannelAttribution:
    """One channel's directly acquired and referral-reached customers and revenue."""

    uid: str
    name: str
    parent: str | None
    direct_customers: int
    direct_revenue: float
    referred_customers: int = 0
    referred_revenue: float = 0.0  # undecayed
    attributed_revenue: float = 0.0  # decayed per hop
    by_hop: dict[int, tuple[int, float]] = field(default_factory=dict)  # hop -> (n, revenue)
    as_of: str | None = None  # when the refresh stored the referred part; None: walked live

    @property
    def total_revenue(self) -> float:
        """Direct revenue plus decayed referral revenue."""
        return self.direct_revenue + self.attributed_revenue


def check_decay(decay: object) -> float:
    """``decay`` as a float in [0, 1], or ``InvalidValue``."""
    if isinstance(decay, bool):
        raise InvalidValue(key="decay")
    try:
        value = float(decay)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidValue(key="decay") from None
    if not 0.0 <= value <= 1.0:
        raise InvalidValue(key="decay")
    return value


def _digits(text: str) -> bool:
    """Whether ``text`` (spaces around it aside) is ASCII digits, which ``int`` reads
    (``str.isdigit`` also passes "²", which it does not)."""
    text = text.strip()
    return text.isascii() and text.isdigit() and len(text) < 10


def check_depth(depth: object) -> int:
    """``depth`` as an int in [1, MAX_DEPTH], or ``InvalidValue``: it becomes part of the
    statement text (variable-length bounds cannot be parameters), so nothing else passes."""
    if isinstance(depth, bool):
        raise InvalidValue(key="depth", max=MAX_DEPTH)
    if isinstance(depth, str) and _digits(depth):
        depth = int(depth)
    if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise InvalidValue(key="depth", max=MAX_DEPTH)
    return depth


def channel_attribution(
    store: GraphStore,
    *,
    decay: object = DEFAULT_DECAY,
    max_depth: object = DEFAULT_DEPTH,
    live: bool = False,
) -> list[ChannelAttribution]:
    """Every channel's attribution, ordered by total (decayed) revenue, largest first.

    The direct part is always read live; the referred part comes from the last analytics
    refresh when one stored it (a channel created since counts nobody referred yet), else,
    or with ``live``, from walking the chains now."""
    decay = check_decay(decay)
    depth = check_depth(max_depth)
    referred, as_of = (None, None) if live else _stored(store, depth)
    if referred is None:
        referred = _walked(store, depth)
    result = []
    for row in store.read("channel_list_direct_revenue"):
        by_hop = referred.get(row["uid"], {})
        result.append(
            ChannelAttribution(
                uid=row["uid"],
                name=row["name"] or "",
                parent=row["parent"],
                direct_customers=int(row["customers"]),
                direct_revenue=float(row["revenue"] or 0.0),
                referred_customers=sum(n for n, _ in by_hop.values()),
                referred_revenue=sum(r for _, r in by_hop.values()),
                attributed_revenue=sum(r * decay**h for h, (_, r) in by_hop.items()),
                by_hop=dict(sorted(by_hop.items())),
                as_of=as_of,
            )
        )
    result.sort(key=lambda a: (-a.total_revenue, a.name, a.uid))
    return result


ByHop = dict[str, dict[int, tuple[int, float]]]  # channel uid -> hop -> (customers, revenue)


def _walked(store: GraphStore, depth: int) -> ByHop:
    statement = with_bound(store.cypher.get("channel_list_referred_revenue"), depth, MAX_DEPTH)
    referred: ByHop = {}
    for row in store.read(statement):
        hops = referred.setdefault(row["uid"], {})
        hops[int(row["hops"])] = (int(row["customers"]), float(row["revenue"] or 0.0))
    return referred


def _stored(store: GraphStore, depth: int) -> tuple[ByHop | None, str | None]:
    rows = store.read("channel_list_stored_attribution")
    stamps = [row["at"] for row in rows if row["at"]]
    if not stamps:
        return None, None
    referred: ByHop = {}
    for row in rows:
        pairs = zip(row["customers"] or [], row["revenue"] or [], strict=False)
        hops = {h: (int(n), float(r)) for h, (n, r) in enumerate(pairs, 1) if n and h <= depth}
        if hops:
            referred[row["uid"]] = hops
    return referred, max(stamps)


def referred_by_hop(
    edges: list[tuple[str, str]],
    channel: dict[str, str | None],
    revenue: dict[str, float],
    max_hops: int = MAX_DEPTH,
) -> dict[str, list[tuple[int, float]]]:
    """Per channel, customers (and their revenue) reached through referrals at each hop
    1..``max_hops`` (list index 0 = 1 hop), each customer at its nearest hop from a customer
    acquired through the channel, and not for its own channel. ``edges`` are (referrer,
    referred) customer uids, ``channel`` the channel uid of each customer in them. Pure: the
    walk goes up from every referred customer, breadth first, so loops end and several
    referrers count once."""
    parents: dict[str, list[str]] = {}
    for referrer, referred in edges:
        if referrer != referred:
            parents.setdefault(referred, []).append(referrer)
    table: dict[str, list[list[float]]] = {}
    for customer in parents:
        nearest = _up_breadth_first(customer, channel.get(customer), parents, channel, max_hops)
        spent = float(revenue.get(customer) or 0.0)
        for ch, hop in nearest.items():
            slots = table.setdefault(ch, [[0, 0.0] for _ in range(max_hops)])
            slots[hop - 1][0] += 1
            slots[hop - 1][1] += spent
    return {ch: [(int(n), round(r, 2)) for n, r in slots] for ch, slots in table.items()}


def _up_breadth_first(
    customer: str, own: str | None, parents: dict, channel: dict, max_hops: int
) -> dict[str, int]:
    """Nearest hop per channel above ``customer``, breadth first over every referrer."""
    nearest: dict[str, int] = {}
    visited, frontier = {customer}, [customer]
    for hop in range(1, max_hops + 1):
        upper = []
        for node in frontier:
            for up in parents.get(node, ()):
                if up not in visited:
                    visited.add(up)
                    upper.append(up)
                    ch = channel.get(up)
                    if ch and ch != own and ch not in nearest:
                        nearest[ch] = hop
        if not upper:
            break
        frontier = upper
    return nearest


def store_referred_by_hop(
    store: GraphStore, table: dict[str, list[tuple[int, float]]], at: str
) -> int:
    """Store ``referred_by_hop``'s table on the channels (every other channel gets empty
    lists) with the time ``at``; returns how many channels were written."""
    rows = [[uid, [n for n, _ in slots], [r for _, r in slots]] for uid, slots in table.items()]
    return store.write("channel_update_attribution", rows=sorted(rows), at=at)[0]["updated"]
