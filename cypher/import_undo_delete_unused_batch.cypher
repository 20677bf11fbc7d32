// Template: deletes the __Label__ records of $rows (row.uid) that import $import_id created
// and that nothing links to any more (their history entries aside), keeping a history
// entry row.change for each; one still linked stays (a tag someone has put on a record
// since); returns deleted and kept.
// params: import_id, rows
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})
WHERE n.import_id = $import_id
OPTIONAL MATCH (n)-[link]-()
WHERE type(link) <> 'CHANGED'
WITH n, row, count(link) = 0 AS unused
FOREACH (change IN CASE WHEN unused THEN [row.change] ELSE [] END |
  CREATE (c:Change)
  SET c = change, c.entity_uid = n.uid, c.version = n.version + 1
  DETACH DELETE n)
RETURN sum(CASE WHEN unused THEN 1 ELSE 0 END) AS deleted,
       sum(CASE WHEN unused THEN 0 ELSE 1 END) AS kept
