// Returns source, target, source_channel, target_channel: every
// (:Customer)-[:REFERRED]->(:Customer) edge as uids, with the channel each end was acquired
// through (null if none): analytics refresh computes channel attribution from them too.
// Read whole, not in SKIP/LIMIT pages: FalkorDB 4.16 repeats and drops rows when it pages a
// statement with OPTIONAL MATCH, and pattern comprehensions instead cost 5x (11 s at 1M).
// params: none
MATCH (a:Customer)-[:REFERRED]->(b:Customer)
OPTIONAL MATCH (a)-[:ACQUIRED_VIA]->(ca:Channel)
OPTIONAL MATCH (b)-[:ACQUIRED_VIA]->(cb:Channel)
RETURN a.uid AS source, b.uid AS target, ca.uid AS source_channel, cb.uid AS target_channel
