// Returns uid and labels of at most $limit records the history entry $uid (an import's
// batch entry) names by CHANGED, after the uid $after in uid order (what undo deletes,
// unless someone has changed or linked to one since).
// params: uid, after, limit
MATCH (c:Change {uid: $uid})-[:CHANGED]->(n)
WHERE n.uid > $after
RETURN n.uid AS uid, labels(n) AS labels
ORDER BY n.uid
LIMIT $limit
