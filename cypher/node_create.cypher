// Template: creates a __Label__ with uid $uid from $props, its relation parts (spliced after
// WITH n) and its history entry $change, in one statement; returns n.
// params: uid, props, now, change
CREATE (n:__Label__)
SET n = $props, n.uid = $uid, n.created_at = $now, n.updated_at = $now, n.version = 1
WITH n
CREATE (c:Change)
SET c = $change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
RETURN n
