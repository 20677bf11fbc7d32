// Returns the import record $uid as i.
// params: uid
MATCH (i:Import {uid: $uid})
RETURN i
