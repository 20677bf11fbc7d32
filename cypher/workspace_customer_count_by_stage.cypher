// Template (graph/records/workspace.py): returns stage, customers (the Customer nodes the
// filters, e.g. the reader's row-level scope, let through, per stage) and new_customers
// (of those, created at or after $since).
// params: since
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
RETURN n.stage AS stage, count(n) AS customers,
  sum(CASE WHEN n.created_at >= $since THEN 1 ELSE 0 END) AS new_customers
