// Returns uid, descendants, depth, influence, community, revenue: every customer that holds
// referral analytics, with its values (analytics refresh compares them with what it computed
// and writes back only the changes). Read whole: SKIP pages would each walk past the rows
// before them (at 1M, 586k rows: 14 s paged by 250k).
// params: none
MATCH (c:Customer)
WHERE c.referral_descendants IS NOT NULL
RETURN c.uid AS uid,
       c.referral_descendants AS descendants,
       c.referral_depth AS depth,
       c.influence AS influence,
       c.community AS community,
       c.referral_revenue AS revenue
