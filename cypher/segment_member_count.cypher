// Template (see graph/segments/compiler.py): returns total, the number of customers matching the
// scope and plain rules compiled into the first WHERE, and the rules that need a projection
// (the WITH n line) compiled into the second.
// params: none
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
WITH n, null AS v
WHERE true
RETURN count(n) AS total
