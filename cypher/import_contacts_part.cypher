// Template part, spliced into import_create_batch between its WITH n, row lines: creates the
// __Target__ nodes of row.contacts (each {uid, props, change}) linked to n by __REL__
// (contact)-->(n), tagged with the import id, each with its history entry.
// params: now, actor, import_id
UNWIND [] AS row
MATCH (n:__Label__)
WITH n, row
FOREACH (k IN row.contacts |
  CREATE (p:__Target__)
  SET p = k.props, p.uid = k.uid, p.created_at = $now, p.updated_at = $now, p.version = 1,
      p.import_id = $import_id
  CREATE (p)-[:__REL__ {at: $now, by: $actor}]->(n)
  CREATE (kc:Change)
  SET kc = k.change, kc.entity_uid = k.uid, kc.version = 1, kc.import_id = $import_id
  CREATE (kc)-[:CHANGED]->(p)
)
WITH n, row
RETURN n
