// Creates a Tag and returns it as t; a duplicate uid breaks the unique constraint.
// params: uid, name, now
CREATE (t:Tag {uid: $uid, name: $name, created_at: $now, updated_at: $now, version: 1})
RETURN t
