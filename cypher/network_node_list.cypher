// Template: returns uid, title (__prop__) of each __Label__ among $uids that the filters
// (row-level access) let through.
// params: uids
UNWIND $uids AS wanted
MATCH (n:__Label__ {uid: wanted})
WHERE true
RETURN n.uid AS uid, n.__prop__ AS title
