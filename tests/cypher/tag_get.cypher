// Returns the Tag with this uid as t (no row when it does not exist).
// params: uid
MATCH (t:Tag {uid: $uid})
RETURN t
