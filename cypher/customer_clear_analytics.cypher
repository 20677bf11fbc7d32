// Returns cleared: removes the referral analytics from up to $limit customers that hold
// them (repeat until fewer than $limit come back).
// params: limit
MATCH (c:Customer)
WHERE c.referral_descendants IS NOT NULL
WITH c
LIMIT $limit
SET c.referral_descendants = null,
    c.referral_depth = null,
    c.influence = null,
    c.community = null,
    c.referral_revenue = null
RETURN count(c) AS cleared
