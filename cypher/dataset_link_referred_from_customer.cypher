// Creates (:Customer)-[:REFERRED {at}]->(:Customer) for each row {from: uid, to: uid, at}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:Customer {uid: row.from})
MATCH (b:Customer {uid: row.to})
CREATE (a)-[r:REFERRED {at: row.at}]->(b)
RETURN count(r) AS created
