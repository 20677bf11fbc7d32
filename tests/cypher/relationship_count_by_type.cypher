// Returns one row per relationship type: type, count.
// params: none
MATCH ()-[r]->()
RETURN type(r) AS type, count(r) AS count
ORDER BY type
