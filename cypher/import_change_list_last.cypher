// Template: the history entry that left each __Label__ node of $uids at its present version
// (its last change: the entry per record of an update, or the batch entry of the import that
// created it); returns uid, by, at, import_id (no row for a node without such an entry).
// params: uids
MATCH (n:__Label__)<-[:CHANGED]-(c:Change)
WHERE n.uid IN $uids AND c.version = n.version
RETURN n.uid AS uid, c.by AS by, c.at AS at, c.import_id AS import_id
ORDER BY c.at
