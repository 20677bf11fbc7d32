// Template: returns uid, title of at most $limit __Label__ nodes whose title (__prop__)
// contains $text, case-insensitively, ordered by title (for searchable selects).
// params: text, limit
MATCH (n:__Label__)
WHERE toLower(n.__prop__) CONTAINS toLower($text)
RETURN n.uid AS uid, n.__prop__ AS title
ORDER BY title, uid
LIMIT $limit
