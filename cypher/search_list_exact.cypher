// Template: returns part ($part names the global-search probe) and n for at most $limit
// __Label__ nodes whose __prop__ (a uid, or a blind index of personal data) is one of
// $values (an index seek); filters (row-level access) go into WHERE true. Used by
// graph/records/search.py.
// params: part, values, limit
MATCH (n:__Label__)
WHERE n.__prop__ IN $values
WITH n
WHERE true
WITH n
LIMIT $limit
RETURN $part AS part, n
