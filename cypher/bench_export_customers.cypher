// Returns uid, name, stage: every Customer (bench.referrals exports them to SQLite).
// params: none
MATCH (c:Customer)
RETURN c.uid AS uid, c.name AS name, c.stage AS stage
