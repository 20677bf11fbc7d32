// Template part, spliced into import_create_batch between its WITH n, row lines: links n by
// __REL__ (n)-->(target) to the __Target__ nodes whose uids are in row.__prop__ (each found
// through the uid index).
// params: now, actor
UNWIND [] AS row
MATCH (n:__Label__)
WITH n, row
UNWIND CASE WHEN size(row.__prop__) = 0 THEN [null] ELSE row.__prop__ END AS target_uid
OPTIONAL MATCH (m:__Target__ {uid: target_uid})
WITH n, head(collect(row)) AS row, collect(m) AS targets
FOREACH (m IN targets | CREATE (n)-[:__REL__ {at: $now, by: $actor}]->(m))
WITH n, row
RETURN n
