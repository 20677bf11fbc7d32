// Returns uid, descendants, depth, influence, community, revenue: one page of every Customer
// with the referral analytics it holds now (analytics refresh reads customers in pages and
// writes back only the values that changed).
// params: skip, limit
MATCH (c:Customer)
RETURN c.uid AS uid,
       c.referral_descendants AS descendants,
       c.referral_depth AS depth,
       c.influence AS influence,
       c.community AS community,
       c.referral_revenue AS revenue
SKIP $skip
LIMIT $limit
