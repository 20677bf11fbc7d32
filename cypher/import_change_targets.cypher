// Returns uid and labels of at most $limit records the history entry $uid (an import's
// batch entry) names by CHANGED that still carry the import id $import_id (what undo
// deletes; a record a later import updated carries that import's id instead).
// params: uid, import_id, limit
MATCH (c:Change {uid: $uid})-[:CHANGED]->(n)
WHERE n.import_id = $import_id
RETURN n.uid AS uid, labels(n) AS labels
LIMIT $limit
