// Creates (:Customer)-[:PLACED]->(:Order) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:Customer {uid: row.from})
MATCH (b:Order {uid: row.to})
CREATE (a)-[r:PLACED]->(b)
RETURN count(r) AS created
