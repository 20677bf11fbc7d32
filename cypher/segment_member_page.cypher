// Template (see graph/segments/compiler.py): returns one page of customers as n, by name then uid,
// filtered like segment_member_count, skipping $skip and returning at most $limit.
// params: skip, limit
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
WITH n, null AS v
WHERE true
WITH n
ORDER BY n.name IS NULL, n.name, n.uid
SKIP $skip
LIMIT $limit
RETURN n
