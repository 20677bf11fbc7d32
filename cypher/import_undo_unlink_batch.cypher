// Template: removes the __REL__ links from __Target__ records that import $import_id created
// into the __Label__ records of $rows (row.uid): the one from row.source (every one when
// row.source is null), with the history entry row.change on each record that had it; where
// it was still there, links back to the record the __Target__ records of row.restore (the
// links the import replaced: each its source uid and props, the link's properties as they
// were); returns removed (the links removed), restored (the links put back) and replacing
// (the rows with links to put back whose link was still there).
// params: import_id, rows
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})<-[link:__REL__]-(x:__Target__)
WHERE link.import_id = $import_id AND (row.source IS NULL OR x.uid = row.source)
DELETE link
WITH n, row, count(*) AS links
CREATE (c:Change)
SET c = row.change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
WITH n, row, links
OPTIONAL MATCH (m:__Target__)
WHERE m.uid IN [old IN row.restore | old.source]
WITH n, row, links, collect(m) AS targets
FOREACH (m IN targets |
  CREATE (n)<-[back:__REL__]-(m)
  SET back = head([old IN row.restore WHERE old.source = m.uid]).props)
RETURN sum(links) AS removed, sum(size(targets)) AS restored,
       sum(CASE WHEN size(row.restore) > 0 THEN 1 ELSE 0 END) AS replacing
