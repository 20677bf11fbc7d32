// Returns source, target, source_channel, target_channel: one page of the
// (:Customer)-[:REFERRED]->(:Customer) edges as uids, with the channel each end was acquired
// through (null if none): analytics refresh computes channel attribution from them too.
// Pattern comprehensions, not OPTIONAL MATCH: FalkorDB 4.16 repeats and drops rows when
// SKIP/LIMIT pages a statement with OPTIONAL MATCH (tests/test_analytics.py pages by 2).
// params: skip, limit
MATCH (a:Customer)-[:REFERRED]->(b:Customer)
RETURN a.uid AS source,
       b.uid AS target,
       head([(a)-[:ACQUIRED_VIA]->(ca:Channel) | ca.uid]) AS source_channel,
       head([(b)-[:ACQUIRED_VIA]->(cb:Channel) | cb.uid]) AS target_channel
SKIP $skip
LIMIT $limit
