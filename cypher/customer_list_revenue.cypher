// Returns uid, revenue: one page of the customers who placed orders, with the total amount
// of their orders (analytics refresh sums it over referral networks).
// params: skip, limit
MATCH (c:Customer)-[:PLACED]->(o:Order)
WITH c.uid AS uid, sum(o.amount) AS revenue
RETURN uid, revenue
ORDER BY uid
SKIP $skip
LIMIT $limit
