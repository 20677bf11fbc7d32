// Returns c, the history entries of the $entity node $uid, newest first, at most $limit.
// params: entity, uid, limit
MATCH (c:Change {entity_uid: $uid})
WHERE c.entity = $entity
RETURN c
ORDER BY c.at DESC, c.version DESC
LIMIT $limit
