// Deletes a Tag and its relationships; returns its uid (no row when it did not exist).
// params: uid
MATCH (t:Tag {uid: $uid})
WITH t, t.uid AS uid
DETACH DELETE t
RETURN uid
