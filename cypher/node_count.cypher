// Template (see graph/records/filters.py): returns total, the number of __Label__ nodes matching the
// filters compiled into WHERE (and, for a relation filter, into the MATCH anchor).
// params: none
MATCH (n:__Label__)
WHERE true
RETURN count(DISTINCT n) AS total
