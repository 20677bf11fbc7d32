// Template: deletes the __Label__ records of $rows (row.uid) that import $import_id created
// and that only it has touched: still carrying its id at the version it left (1, or that of
// its last history entry on the record), with no link but its own relations as an import
// leaves them ($outs, $ins: TYPE:Label of those it declares out and in, none carrying
// another import's id). Each deleted keeps a history entry row.change; one edited, updated
// by another import or linked to by another record since (a follow-up, a referral, a
// contact of an undeleted record) stays. Returns deleted and kept.
// params: import_id, rows, outs, ins
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})
OPTIONAL MATCH (h:Change {entity_uid: n.uid})
WHERE h.import_id = $import_id
WITH n, row, coalesce(max(h.version), 1) AS left
OPTIONAL MATCH (n)-[out]->(m)
WHERE coalesce(out.import_id, $import_id) <> $import_id
   OR NOT any(label IN labels(m) WHERE (type(out) + ':' + label) IN $outs)
WITH n, row, left, count(out) AS others
OPTIONAL MATCH (n)<-[link]-(m)
WHERE type(link) <> 'CHANGED'
  AND (coalesce(link.import_id, $import_id) <> $import_id
       OR NOT any(label IN labels(m) WHERE (type(link) + ':' + label) IN $ins))
WITH n, row, left, others, count(link) AS links
WITH n, row,
     coalesce(n.import_id, '') = $import_id AND n.version = left AND others + links = 0 AS doomed
FOREACH (change IN CASE WHEN doomed THEN [row.change] ELSE [] END |
  CREATE (c:Change)
  SET c = change, c.entity_uid = n.uid, c.version = n.version + 1
  DETACH DELETE n)
RETURN sum(CASE WHEN doomed THEN 1 ELSE 0 END) AS deleted,
       sum(CASE WHEN doomed THEN 0 ELSE 1 END) AS kept
