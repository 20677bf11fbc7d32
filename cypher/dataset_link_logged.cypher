// Creates (:User)-[:LOGGED]->(:FollowUp) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:User {uid: row.from})
MATCH (b:FollowUp {uid: row.to})
CREATE (a)-[r:LOGGED]->(b)
RETURN count(r) AS created
