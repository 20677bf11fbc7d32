// Creates (:Contact)-[:WORKS_FOR]->(:Customer) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:Contact {uid: row.from})
MATCH (b:Customer {uid: row.to})
CREATE (a)-[r:WORKS_FOR]->(b)
RETURN count(r) AS created
