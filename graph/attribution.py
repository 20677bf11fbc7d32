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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from graph.errors import InvalidValue
from graph.store import GraphStore

MAX_DEPTH = 10
DEFAULT_DEPTH = MAX_DEPTH
DEFAULT_DECAY = 0.5
_BOUND = re.compile(r"\*1\.\.10\]")


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

    @property
    def total_revenue(self) -> float:
        """Direct revenue plus decayed referral revenue."""
        return self.direct_revenue + self.attributed_revenue


def check_decay(decay: object) -> float:
    """``decay`` as a float in [0, 1], or ``InvalidValue``."""
    if isinstance(decay, bool):
        raise InvalidValue("decay must be a number between 0 and 1")
    try:
        value = float(decay)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidValue("decay must be a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise InvalidValue("decay must be a number between 0 and 1")
    return value


def check_depth(depth: object) -> int:
    """``depth`` as an int in [1, MAX_DEPTH], or ``InvalidValue``: it becomes part of the
    statement text (variable-length bounds cannot be parameters), so nothing else passes."""
    if isinstance(depth, bool):
        raise InvalidValue(f"depth must be a whole number from 1 to {MAX_DEPTH}")
    if isinstance(depth, str) and depth.strip().isdigit():
        depth = int(depth)
    if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise InvalidValue(f"depth must be a whole number from 1 to {MAX_DEPTH}")
    return depth


def channel_attribution(
    store: GraphStore, *, decay: object = DEFAULT_DECAY, max_depth: object = DEFAULT_DEPTH
) -> list[ChannelAttribution]:
    """Every channel's attribution, ordered by total (decayed) revenue, largest first."""
    decay = check_decay(decay)
    depth = check_depth(max_depth)
    template = store.cypher.get("channel_list_referred_revenue")
    text, replaced = _BOUND.subn(f"*1..{depth}]", template.text)
    assert replaced == 1, "channel_list_referred_revenue must hold exactly one *1..10 bound"
    referred: dict[str, dict[int, tuple[int, float]]] = {}
    for row in store.read(replace(template, text=text)):
        hops = referred.setdefault(row["uid"], {})
        hops[int(row["hops"])] = (int(row["customers"]), float(row["revenue"] or 0.0))
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
            )
        )
    result.sort(key=lambda a: (-a.total_revenue, a.name, a.uid))
    return result
