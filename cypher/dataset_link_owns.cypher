// Creates (:User)-[:OWNS {since}]->(:Customer) for each row {from: uid, to: uid, since}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:User {uid: row.from})
MATCH (b:Customer {uid: row.to})
CREATE (a)-[r:OWNS {since: row.since}]->(b)
RETURN count(r) AS created
