// Template: returns part ($part names the global-search probe) and n for at most $limit
// __Label__ nodes whose search key __prop__ starts with $text. The range from $text up to
// $upper ($text with its last character one code point up) is what the index on the key
// serves on both engines (FalkorDB does not seek on STARTS WITH alone); filters (row-level
// access) go into WHERE true. Used by graph/records/search.py.
// params: part, text, upper, limit
MATCH (n:__Label__)
WHERE n.__prop__ >= $text AND n.__prop__ < $upper AND n.__prop__ STARTS WITH $text
WITH n
WHERE true
WITH DISTINCT n
LIMIT $limit
RETURN $part AS part, n
