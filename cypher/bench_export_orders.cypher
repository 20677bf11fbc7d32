// Returns uid, amount: every order with its customer's uid (bench.referrals exports them to
// SQLite).
// params: none
MATCH (c:Customer)-[:PLACED]->(o:Order)
RETURN c.uid AS uid, o.amount AS amount
