// Returns one row per node label: label, count (the home page's record counts).
// params: none
MATCH (n)
RETURN labels(n)[0] AS label, count(n) AS count
ORDER BY label
