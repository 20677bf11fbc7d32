// Returns uid, name, stage, descendants, depth, influence, community, revenue: the customers
// with the most referral descendants (as the last analytics refresh computed them), then by
// influence; revenue is what their descendants spent.
// params: limit
MATCH (c:Customer)
WHERE c.referral_descendants > 0
RETURN c.uid AS uid, c.name AS name, c.stage AS stage,
       c.referral_descendants AS descendants, c.referral_depth AS depth,
       c.influence AS influence, c.community AS community,
       c.referral_revenue AS revenue
ORDER BY descendants DESC, influence DESC, uid
LIMIT $limit
