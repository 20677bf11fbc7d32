// Template: returns uid, name, stage, revenue of each __Label__ among $uids that the filters let through (revenue: the sum of its orders' amounts)
// params: uids
UNWIND $uids AS wanted
MATCH (n:__Label__ {uid: wanted})
WHERE true
OPTIONAL MATCH (n)-[:PLACED]->(o:Order)
RETURN n.uid AS uid, n.name AS name, n.stage AS stage, sum(o.amount) AS revenue
