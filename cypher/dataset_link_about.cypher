// Creates (:FollowUp)-[:ABOUT]->(:Customer) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:FollowUp {uid: row.from})
MATCH (b:Customer {uid: row.to})
CREATE (a)-[r:ABOUT]->(b)
RETURN count(r) AS created
