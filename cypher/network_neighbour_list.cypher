// Template: returns type, outgoing, uid, labels of the neighbours of the __Label__ whose
// uid is $uid, over relationships whose type is in $types, in both directions (outgoing:
// true for (n)-[r]->(m)); at most $limit rows each way, by uid.
// params: uid, types, limit
MATCH (n:__Label__ {uid: $uid})-[r]->(m)
WHERE type(r) IN $types
RETURN type(r) AS type, true AS outgoing, m.uid AS uid, labels(m) AS labels
ORDER BY uid, type
LIMIT $limit
UNION ALL
MATCH (n:__Label__ {uid: $uid})<-[r]-(m)
WHERE type(r) IN $types
RETURN type(r) AS type, false AS outgoing, m.uid AS uid, labels(m) AS labels
ORDER BY uid, type
LIMIT $limit
