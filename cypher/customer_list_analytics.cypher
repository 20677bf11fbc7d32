// Returns uid, descendants, depth, influence, community, revenue: one page of the customers
// that hold referral analytics, with their values (analytics refresh compares them with what
// it computed and writes back only the changes).
// params: skip, limit
MATCH (c:Customer)
WHERE c.referral_descendants IS NOT NULL
RETURN c.uid AS uid,
       c.referral_descendants AS descendants,
       c.referral_depth AS depth,
       c.influence AS influence,
       c.community AS community,
       c.referral_revenue AS revenue
SKIP $skip
LIMIT $limit
