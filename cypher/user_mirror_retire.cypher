// Marks the User node of the deleted account $user_id inactive and moves the id to
// deleted_user_id (a reused id never inherits the node), keeping the node and its
// relationships, with its history entry $change; returns n (no row when there is none).
// params: user_id, now, change
MATCH (n:User {user_id: $user_id})
SET n.active = false,
    n.deleted_user_id = $user_id,
    n.user_id = null,
    n.updated_at = $now,
    n.version = coalesce(n.version, 0) + 1
WITH n
CREATE (c:Change)
SET c = $change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
RETURN n
