// Creates or updates the User node mirroring account $user_id (a new node gets uid $uid)
// with its account fields ($email as stored: sealed, with its blind index $email_bidx) and
// writes its history entry $change; returns n.
// params: user_id, uid, username, display_name, email, email_bidx, active, now, change
MERGE (n:User {user_id: $user_id})
ON CREATE SET n.uid = $uid, n.created_at = $now, n.version = 0
SET n.username = $username,
    n.display_name = $display_name,
    n.email = $email,
    n.email_bidx = $email_bidx,
    n.active = $active,
    n.updated_at = $now,
    n.version = coalesce(n.version, 0) + 1
WITH n
CREATE (c:Change)
SET c = $change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
RETURN n
