// Template part, spliced into import_update_batch and import_undo_update_batch between their
// WITH n, row lines: removes the __REL__ links (target)-->(n) of the __Target__ nodes whose
// uids are in row.unlink.__prop__ and links those in row.link.__prop__ (an update that
// changes a relation, or its undo).
// params: now, actor
UNWIND [] AS row
MATCH (n:__Label__)
WITH n, row
OPTIONAL MATCH (n)<-[old:__REL__]-(x:__Target__)
WHERE x.uid IN row.unlink.__prop__
DELETE old
WITH n, head(collect(row)) AS row
OPTIONAL MATCH (m:__Target__)
WHERE m.uid IN row.link.__prop__
WITH n, row, collect(m) AS targets
FOREACH (m IN targets | CREATE (n)<-[:__REL__ {at: $now, by: $actor}]-(m))
WITH n, row
RETURN n
