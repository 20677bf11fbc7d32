// Returns labels and props (every property) of every node in the graph, for checks that
// nothing is stored in clear that should not be.
// params: none
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS props
