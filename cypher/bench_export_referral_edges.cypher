// Returns source, label, name, target: every REFERRED edge into a Customer, with the
// referring node's label and name (bench.referrals exports them to SQLite).
// params: none
MATCH (a)-[:REFERRED]->(b:Customer)
RETURN a.uid AS source, labels(a)[0] AS label, a.name AS name, b.uid AS target
