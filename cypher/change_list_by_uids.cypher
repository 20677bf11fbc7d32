// Returns uid, version, entity and fields (the JSON field changes) of each history entry
// whose uid is in $uids (no row for a missing one).
// params: uids
UNWIND $uids AS uid
MATCH (c:Change {uid: uid})
RETURN c.uid AS uid, c.version AS version, c.entity AS entity, c.fields AS fields
