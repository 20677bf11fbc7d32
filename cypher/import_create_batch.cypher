// Template: one batch of an import, atomically: advances the import $import_id to $cursor
// with $counts, writes the batch's history entry $change (one Change node for the batch,
// tagged with the import id, linked by CHANGED to every record the batch creates; none
// when $rows is empty), creates a __Label__ per row of $rows (a list: the uid, then the
// properties, whose entries are composed into the CREATE's map after its import_id) tagged
// with the import id; a customer's contacts, in its row, take the place of the WITH c, n,
// row line (import_contacts_part). Then it runs the parts spliced after the WITH count(*)
// AS done line (relations: each reads its own flat list); returns created.
// params: import_id, cursor, counts, rows, now, change
MATCH (imp:Import {uid: $import_id})
SET imp.cursor = $cursor, imp.counts = $counts, imp.updated_at = $now
WITH imp
UNWIND CASE WHEN size($rows) = 0 THEN [] ELSE [$change] END AS entry
CREATE (c:Change)
SET c = entry, c.version = 1, c.import_id = $import_id
WITH c
UNWIND $rows AS row
CREATE (n:__Label__ {uid: row[0], created_at: $now, updated_at: $now, version: 1,
                     import_id: $import_id})
CREATE (c)-[:CHANGED]->(n)
WITH c, n, row
WITH count(*) AS done
RETURN size($rows) AS created
