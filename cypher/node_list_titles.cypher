// Template: returns uid, title of the __Label__ nodes among $uids that the filters (e.g.
// row-level access) let through; title is __prop__ (for selects already filled).
// params: uids
UNWIND $uids AS wanted
MATCH (n:__Label__ {uid: wanted})
WHERE true
RETURN n.uid AS uid, n.__prop__ AS title
