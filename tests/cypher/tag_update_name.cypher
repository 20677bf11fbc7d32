// Renames a Tag if it is still at the given version; returns t (no row if stale or missing).
// params: uid, version, name, now
MATCH (t:Tag {uid: $uid})
WHERE t.version = $version
SET t.name = $name, t.updated_at = $now, t.version = t.version + 1
RETURN t
