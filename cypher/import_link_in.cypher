// Template part, spliced into import_create_batch between its WITH n, row lines: links the
// __Target__ nodes whose uids are in row.__prop__ (each found by its uid index) to n by __REL__ (target)-->(n).
// params: now, actor
UNWIND [] AS row
MATCH (n:__Label__)
WITH n, row
UNWIND CASE WHEN size(row.__prop__) = 0 THEN [null] ELSE row.__prop__ END AS target_uid
OPTIONAL MATCH (m:__Target__ {uid: target_uid})
WITH n, head(collect(row)) AS row, collect(m) AS targets
FOREACH (m IN targets | CREATE (m)-[:__REL__ {at: $now, by: $actor}]->(n))
WITH n, row
RETURN n
