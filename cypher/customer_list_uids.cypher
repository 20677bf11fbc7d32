// Returns uid: one page of every Customer's uid (analytics refresh reads customers in pages).
// params: skip, limit
MATCH (c:Customer)
RETURN c.uid AS uid
SKIP $skip
LIMIT $limit
