// Template: returns part ($part names the global-search probe) and n for at most $limit
// __Label__ nodes whose search key __prop__ starts with $text: the range from $text up to
// $upper ($text with its last character one code point up) holds exactly those keys, and
// is what the index on the key serves on both engines (FalkorDB does not seek on STARTS
// WITH; a STARTS WITH filter on top doubled the time of a wide range there). Filters
// (row-level access: predicates, never a second MATCH, so rows stay distinct) go into
// WHERE true. Used by graph/records/search.py.
// params: part, text, upper, limit
MATCH (n:__Label__)
WHERE n.__prop__ >= $text AND n.__prop__ < $upper
WITH n
WHERE true
WITH n
LIMIT $limit
RETURN $part AS part, n
