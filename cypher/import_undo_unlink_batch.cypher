// Template: removes the __REL__ links (x)-->(n) that import $import_id created into the
// __Label__ records of $rows (row.uid), with a history entry row.change on each record
// that had some; returns removed (the links).
// params: import_id, rows
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})<-[link:__REL__]-()
WHERE link.import_id = $import_id
DELETE link
WITH n, count(*) AS links, head(collect(row.change)) AS change
CREATE (c:Change)
SET c = change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
RETURN sum(links) AS removed
