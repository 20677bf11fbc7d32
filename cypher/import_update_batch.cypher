// Template: the updates of one import batch, atomically: sets row.props on each __Label__
// row.uid still at row.version, tags it with the import id and writes its history entry
// row.change, then the relation parts spliced between the two WITH n, row lines (relations
// the rows change); returns updated (the uids written; a record changed meanwhile is left out).
// params: import_id, rows, now
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})
WHERE n.version = row.version
SET n += row.props, n.updated_at = $now, n.version = n.version + 1, n.import_id = $import_id
CREATE (c:Change)
SET c = row.change, c.entity_uid = n.uid, c.version = n.version, c.import_id = $import_id
CREATE (c)-[:CHANGED]->(n)
WITH n, row
WITH n, row
RETURN collect(n.uid) AS updated
