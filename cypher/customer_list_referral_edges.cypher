// Returns source, target: one page of the (:Customer)-[:REFERRED]->(:Customer) edges as uids.
// params: skip, limit
MATCH (a:Customer)-[:REFERRED]->(b:Customer)
RETURN a.uid AS source, b.uid AS target
SKIP $skip
LIMIT $limit
