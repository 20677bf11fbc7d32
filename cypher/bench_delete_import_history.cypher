// Deletes at most $limit history entries written by import $import_id or by its undo (the
// import benchmark's clean-up of a server's database); returns deleted.
// params: import_id, limit
MATCH (c:Change)
WHERE c.import_id = $import_id OR c.undo_of = $import_id
WITH c LIMIT $limit
DETACH DELETE c
RETURN count(*) AS deleted
