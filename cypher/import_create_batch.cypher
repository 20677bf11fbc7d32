// Template: one batch of an import, atomically: advances the import $import_id to $cursor
// with $counts, creates a __Label__ per row of $rows (row.uid, row.props) tagged with the
// import id and its history entry row.change, then the relation parts spliced between the
// two WITH n, row lines; returns created.
// params: import_id, cursor, counts, rows, now
MATCH (imp:Import {uid: $import_id})
SET imp.cursor = $cursor, imp.counts = $counts, imp.updated_at = $now
WITH imp
UNWIND $rows AS row
CREATE (n:__Label__)
SET n = row.props, n.uid = row.uid, n.created_at = $now, n.updated_at = $now, n.version = 1,
    n.import_id = $import_id
CREATE (c:Change)
SET c = row.change, c.entity_uid = row.uid, c.version = 1, c.import_id = $import_id
CREATE (c)-[:CHANGED]->(n)
WITH n, row
WITH n, row
RETURN count(n) AS created
