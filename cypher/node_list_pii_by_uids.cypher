// Template: returns uid, version and value (the stored personal-data property __prop__) of
// each __Label__ whose uid is in $uids (no row for a missing one).
// params: uids
UNWIND $uids AS uid
MATCH (n:__Label__ {uid: uid})
RETURN n.uid AS uid, n.version AS version, n.__prop__ AS value
