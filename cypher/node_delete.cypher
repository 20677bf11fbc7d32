// Template: deletes the __Label__ $uid with its relationships and writes the history entry
// $change (kept after the node is gone); returns uid (no row when it did not exist).
// params: uid, change
MATCH (n:__Label__ {uid: $uid})
WHERE true
CREATE (c:Change)
SET c = $change, c.entity_uid = n.uid
WITH n, n.uid AS uid
DETACH DELETE n
RETURN uid
