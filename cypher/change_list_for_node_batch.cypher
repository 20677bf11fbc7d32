// Template: returns c, the history entries written for many records at once (an import's
// batch entry, which has no entity_uid) that name the __Label__ node $uid by CHANGED,
// newest first, at most $limit.
// params: uid, limit
MATCH (n:__Label__ {uid: $uid})<-[:CHANGED]-(c:Change)
WHERE c.entity_uid IS NULL
RETURN c
ORDER BY c.at DESC
LIMIT $limit
