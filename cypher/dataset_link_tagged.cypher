// Creates (:Customer)-[:TAGGED {at, by}]->(:Tag) for each row {from: uid, to: uid, at, by}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:Customer {uid: row.from})
MATCH (b:Tag {uid: row.to})
CREATE (a)-[r:TAGGED {at: row.at, by: row.by}]->(b)
RETURN count(r) AS created
