// Template: returns title, each distinct __prop__ (a title) of the __Label__ nodes that
// the filters (a title list and row-level access) let through; for history entries.
// params: none
MATCH (n:__Label__)
WHERE true
RETURN DISTINCT n.__prop__ AS title
