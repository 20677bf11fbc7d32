// The history entries of action $action that import $import_id wrote on the records $uids
// (entity uids), oldest first by the version each left; returns c (undo merges a record's
// several update entries into one).
// params: import_id, action, uids
UNWIND $uids AS uid
MATCH (c:Change {entity_uid: uid})
WHERE c.import_id = $import_id AND c.action = $action
RETURN c
ORDER BY c.entity_uid, c.version
