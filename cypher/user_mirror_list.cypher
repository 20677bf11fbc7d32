// Returns user_id for every User node that mirrors a security-store account.
// params: none
MATCH (n:User)
WHERE n.user_id IS NOT NULL
RETURN n.user_id AS user_id
