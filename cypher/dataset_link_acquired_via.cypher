// Creates (:Customer)-[:ACQUIRED_VIA]->(:Channel) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:Customer {uid: row.from})
MATCH (b:Channel {uid: row.to})
CREATE (a)-[r:ACQUIRED_VIA]->(b)
RETURN count(r) AS created
