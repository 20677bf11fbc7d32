"""Signals the graph layer sends after it changed something (blinker, no Flask needed).

``record_changed`` is sent after a create, update or delete has been written, with the
node label as sender and an ``intent`` keyword (``graph.records.audit_intent.AuditIntent``: the
history entry written with it, which holds the audit intent); the audit log listens. A
listener that fails changes nothing: the entry stays pending until the drain audits it.
``console_query_ran`` is sent after each Cypher console run or export, with the audit action
(``console_query`` or ``export``) as sender and a ``detail`` dict keyword.
``personal_data_searched`` is sent when a reader allowed to see personal data filters by
it, with the node label (``"search"`` for global search) as sender and a ``fields`` keyword
(names only, never the values).
"""

from blinker import Namespace

_signals = Namespace()

record_changed = _signals.signal("record-changed")
console_query_ran = _signals.signal("console-query-ran")
personal_data_searched = _signals.signal("personal-data-searched")
