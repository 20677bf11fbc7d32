// Creates (:User)-[:REPORTS_TO]->(:User) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:User {uid: row.from})
MATCH (b:User {uid: row.to})
CREATE (a)-[r:REPORTS_TO]->(b)
RETURN count(r) AS created
