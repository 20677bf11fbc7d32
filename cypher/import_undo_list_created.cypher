// Template: returns uid of the __Label__ records among $uids that import $import_id created
// (named by one of its create entries; its undo deletes them rather than restoring what
// a later batch of it updated).
// params: import_id, uids
UNWIND $uids AS uid
MATCH (n:__Label__ {uid: uid})<-[:CHANGED]-(c:Change)
WHERE c.import_id = $import_id AND c.action = 'create'
RETURN DISTINCT n.uid AS uid
