// Creates (:Channel)-[:PART_OF]->(:Channel) for each row {from: uid, to: uid}; returns created.
// params: rows
UNWIND $rows AS row
MATCH (a:Channel {uid: row.from})
MATCH (b:Channel {uid: row.to})
CREATE (a)-[r:PART_OF]->(b)
RETURN count(r) AS created
