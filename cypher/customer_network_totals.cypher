// Returns descendants, revenue: the referral network below the Customer $uid as the last
// analytics refresh stored it (descendant customers and what they spent).
// params: uid
MATCH (c:Customer {uid: $uid})
RETURN coalesce(c.referral_descendants, 0) AS descendants,
       coalesce(c.referral_revenue, 0.0) AS revenue
