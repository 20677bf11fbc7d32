// Returns updated: sets the referral analytics of each row [uid, descendants, depth, influence,
// community, revenue] of $rows on its Customer (derived values: version and updated_at are
// left alone).
// params: rows
UNWIND $rows AS row
MATCH (c:Customer {uid: row[0]})
SET c.referral_descendants = row[1],
    c.referral_depth = row[2],
    c.influence = row[3],
    c.community = row[4],
    c.referral_revenue = row[5]
RETURN count(c) AS updated
