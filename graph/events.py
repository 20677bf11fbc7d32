"""Signals the graph layer sends after it changed something (blinker, no Flask needed).

``record_changed`` is sent after a create, update or delete has been written, with the
node label as sender and ``action``, ``uid`` and ``actor`` keywords; the audit log listens.
"""

from blinker import Namespace

_signals = Namespace()

record_changed = _signals.signal("record-changed")
