// Template, one UNION ALL part: returns field, uid, target, title for every
// (n:__Label__)-[:__REL__]->(m:__Target__) of the nodes whose uid is in $uids.
// params: uids, field
MATCH (n:__Label__)-[:__REL__]->(m:__Target__)
WHERE n.uid IN $uids
RETURN $field AS field, n.uid AS uid, m.uid AS target, m.__prop__ AS title
