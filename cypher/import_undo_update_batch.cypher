// Template: restores the values an import replaced: for each row of $rows sets row.props on
// the __Label__ row.uid if it is still the version the import left (row.version) and was
// last touched by import $import_id, with a history entry row.change; returns restored.
// params: import_id, rows, now
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})
WHERE n.version = row.version AND n.import_id = $import_id
SET n += row.props, n.updated_at = $now, n.version = n.version + 1
REMOVE n.import_id
CREATE (c:Change)
SET c = row.change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
RETURN count(n) AS restored
