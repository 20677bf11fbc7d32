// Template: deletes the __Label__ $uid with its relationships and writes the history entry
// $change (kept after the node is gone), after the parts spliced after WITH n (each deletes,
// or checks there are none of, the records whose required relation points at it); returns
// uid (no row when it did not exist, or when records came to depend on it meanwhile).
// params: uid, change
MATCH (n:__Label__ {uid: $uid})
WHERE true
WITH n
CREATE (c:Change)
SET c = $change, c.entity_uid = n.uid
WITH n, n.uid AS uid
DETACH DELETE n
RETURN uid
