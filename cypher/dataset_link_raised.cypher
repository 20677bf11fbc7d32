// Creates (:Customer)-[:RAISED]->(:Ticket) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:Customer {uid: row.from})
MATCH (b:Ticket {uid: row.to})
CREATE (a)-[r:RAISED]->(b)
RETURN count(r) AS created
