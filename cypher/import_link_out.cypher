// Template part, spliced into import_create_batch between its WITH n, row lines: links n to
// the __Target__ nodes whose uids are in row.__prop__ by __REL__ (n)-->(target).
// params: now, actor
UNWIND [] AS row
MATCH (n:__Label__)
WITH n, row
OPTIONAL MATCH (m:__Target__)
WHERE m.uid IN row.__prop__
WITH n, head(collect(row)) AS row, collect(m) AS targets
FOREACH (m IN targets | CREATE (n)-[:__REL__ {at: $now, by: $actor}]->(m))
WITH n, row
RETURN n
