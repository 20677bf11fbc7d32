// Template: restores the values an import replaced: for each row of $rows sets row.props on
// the __Label__ row.uid if it is still the version the import left (row.version) and was
// last touched by import $import_id, with a history entry row.change, then the relation
// parts spliced between the two WITH n, row lines (relations it changed back); returns restored.
// params: import_id, rows, now
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})
WHERE n.version = row.version AND n.import_id = $import_id
SET n += row.props, n.updated_at = $now, n.version = n.version + 1
REMOVE n.import_id
CREATE (c:Change)
SET c = row.change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
WITH n, row
WITH n, row
RETURN count(n) AS restored
