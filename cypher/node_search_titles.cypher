// Template: returns uid, title of at most $limit __Label__ nodes whose title (__prop__)
// contains $text, case-insensitively, ordered by title; filters (e.g. row-level access)
// go into WHERE true.
// params: text, limit
MATCH (n:__Label__)
WHERE true
WITH DISTINCT n
WHERE toLower(n.__prop__) CONTAINS toLower($text)
RETURN n.uid AS uid, n.__prop__ AS title
ORDER BY title, uid
LIMIT $limit
