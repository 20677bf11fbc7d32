"""One colour legend for every graph: the referral chain, the network explorer, the segment
graph and the console's graph view.

A node's type is its fill colour and shape (a customer is blue wherever it is drawn); a
customer's stage is a secondary cue, the colour of its ring; what the reader may not see is
a dashed grey placeholder. The types are the ``NodeAdmin`` registry's (plus the explorer's
saved segments), named as declared; a type without a colour of its own here (one declared
later) takes one from a spare palette, in registry order. Pages put ``graph_legend()`` into
the template as JSON (``graphcrm/graph_kit.html``) for ``graphcrm/graph-style.js``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext

from graph.explore.network import SEGMENT
from graph.model.nodes import STAGES
from views import admin_registry
from views.labels import choice_label, declared_name, localized

# Fill colour and Cytoscape shape of each built-in node type (Tableau 20 colours: none is
# reused, and green and red are left to the stage rings).
TYPE_STYLES: dict[str, tuple[str, str]] = {
    "Customer": ("#4e79a7", "ellipse"),
    "Contact": ("#499894", "diamond"),
    "Referrer": ("#b07aa1", "round-rectangle"),
    "FollowUp": ("#bab0ac", "rectangle"),
    "Order": ("#b6992d", "triangle"),
    "Ticket": ("#d37295", "vee"),
    "Channel": ("#f1ce63", "hexagon"),
    "Tag": ("#ff9d9a", "tag"),
    "User": ("#9d7660", "barrel"),
    SEGMENT: ("#f28e2b", "star"),
}
# Colours for types declared later, taken in registry order.
SPARE_COLOURS = ("#86bcb6", "#d4a6c8", "#a0cbe8", "#ffbe7d", "#d7b5a6", "#79706e")
SPARE_SHAPE = "round-octagon"
# The ring of a customer in each stage.
STAGE_RINGS = {"potential": "#9e9e9e", "intent": "#ff7f0e", "deal": "#2ca02c", "lost": "#d62728"}
OTHER_RING = "#555555"
PLACEHOLDER_COLOUR = "#eeeeee"

# Texts every graph's controls and legend use, in the request's language.
TEXTS = {
    "stages": lazy_gettext("Stage"),
    "hidden": lazy_gettext("Not visible to you"),
    "png": lazy_gettext("Export PNG"),
    "fit": lazy_gettext("Fit"),
    "more": lazy_gettext("+{n} folded"),
}


def _type_entry(label: str, name: str, spare: int) -> dict[str, str]:
    colour, shape = TYPE_STYLES.get(label, (SPARE_COLOURS[spare % len(SPARE_COLOURS)], SPARE_SHAPE))
    return {"label": label, "name": name, "colour": colour, "shape": shape}


def graph_legend() -> dict[str, Any]:
    """The legend in the request's language: node types (colour, shape, declared name),
    customer stages (ring colour, stage name), the placeholder and the shared texts."""
    types = []
    spare = 0
    for entry in admin_registry.entries():
        types.append(_type_entry(entry.label, declared_name(entry.label), spare))
        spare += entry.label not in TYPE_STYLES
    types.append(_type_entry(SEGMENT, str(lazy_gettext("Segment")), spare))
    return {
        "types": types,
        "stages": [
            {
                "value": c.value,
                "name": choice_label(STAGES, c.value),
                "colour": STAGE_RINGS.get(c.value, OTHER_RING),
            }
            for c in STAGES
        ],
        "placeholder": {"name": str(TEXTS["hidden"]), "colour": PLACEHOLDER_COLOUR},
        "texts": localized(TEXTS),
    }
