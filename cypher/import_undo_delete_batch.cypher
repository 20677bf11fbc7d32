// Template: deletes the __Label__ records of $rows (row.uid) that import $import_id created,
// with their relationships, keeping a history entry row.change for each; returns deleted.
// params: import_id, rows
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})
WHERE n.import_id = $import_id
CREATE (c:Change)
SET c = row.change, c.entity_uid = n.uid, c.version = n.version + 1
DETACH DELETE n
RETURN count(*) AS deleted
