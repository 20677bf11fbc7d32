// Template: returns one page of __Label__ nodes as n, filtered, ordered by __prop__ (nulls
// last, then uid for a stable order), skipping $skip and returning at most $limit.
// params: skip, limit
MATCH (n:__Label__)
WHERE true
WITH DISTINCT n
ORDER BY n.__prop__ IS NULL, n.__prop__, n.uid
SKIP $skip
LIMIT $limit
RETURN n
