// Template (graph/records/workspace.py): returns stage (the customer's), currency, orders
// and amount (summed) of the Order nodes the filters (the reader's scope) let through.
// params: none
MATCH (n:Order)
WHERE true
WITH DISTINCT n
MATCH (c:Customer)-[:PLACED]->(n)
RETURN c.stage AS stage, n.currency AS currency, count(n) AS orders, sum(n.amount) AS amount
