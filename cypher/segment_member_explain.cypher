// Template (see graph/segments/compiler.py): returns name, matched (one boolean per rule, compiled
// into the list) and evidence (the value each rule looked at) for one customer, if visible.
// params: uid
MATCH (n:Customer {uid: $uid})
WHERE true
WITH n, null AS v
RETURN n.name AS name, [true] AS matched, [null] AS evidence
