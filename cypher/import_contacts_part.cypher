// Template part, spliced into import_create_batch in place of its WITH c, n, row line: for
// each item of the row's last column (the record's contacts, each a list: its uid, then its
// properties, whose entries are composed into the CREATE's map after its import_id),
// creates a __Target__ linked to the __Label__ n by __REL__ (contact)-->(n), tagged with
// the import id, and linked to the batch's history entry c by CHANGED. The contacts ride
// in their record's row: no list of their own, matched to the records by uid afterwards
// (an index seek per contact, about a tenth of the engine's time for a batch).
// params: now, actor, import_id, rows
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row[0]})
MATCH (c:Change {uid: row[1]})
WITH c, n, row
FOREACH (k IN row[-1] |
  CREATE (p:__Target__ {uid: k[0], created_at: $now, updated_at: $now, version: 1,
                        import_id: $import_id})-[:__REL__ {at: $now, by: $actor}]->(n)
  CREATE (c)-[:CHANGED]->(p))
WITH c, n, row
RETURN count(*) AS done
