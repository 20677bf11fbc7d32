// Template: deletes at most $limit __Label__ nodes whose uid lies in [$low, $high), with
// their relationships (the import benchmark removes its raw rows); returns deleted.
// params: low, high, limit
MATCH (n:__Label__)
WHERE n.uid >= $low AND n.uid < $high
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
