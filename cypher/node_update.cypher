// Template: updates the __Label__ $uid if it is still at $version: sets $props (a null value
// removes the property), bumps the version, applies relation parts (spliced after WITH n)
// and writes the history entry $change; returns n (no row when missing or stale).
// params: uid, version, props, now, change
MATCH (n:__Label__ {uid: $uid})
WHERE n.version = $version
SET n += $props, n.updated_at = $now, n.version = n.version + 1
WITH n
CREATE (c:Change)
SET c = $change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
RETURN n
