// Template: returns part ($part names the global-search probe) and n for at most $limit
// __Label__ nodes whose search key __prop__ contains $text. No index serves this: global
// search runs it only for Chinese text that the prefix probes left short of $limit.
// Filters (row-level access) go into WHERE true. Used by graph/records/search.py.
// params: part, text, limit
MATCH (n:__Label__)
WHERE n.__prop__ CONTAINS $text
WITH n
WHERE true
WITH n
LIMIT $limit
RETURN $part AS part, n
