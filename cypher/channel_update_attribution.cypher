// Returns updated: stores on every Channel the referral attribution analytics refresh
// computed: $rows holds [uid, customers by hop, revenue by hop] (index 0 = 1 hop) for the
// channels that reached anyone; every other channel gets empty lists. $at is the refresh's
// time (ISO-8601 UTC).
// params: rows, at
MATCH (ch:Channel)
WITH ch, [row IN $rows WHERE row[0] = ch.uid] AS found
SET ch.referred_customers_by_hop = CASE WHEN size(found) > 0 THEN found[0][1] ELSE [] END,
    ch.referred_revenue_by_hop = CASE WHEN size(found) > 0 THEN found[0][2] ELSE [] END,
    ch.attribution_at = $at
RETURN count(ch) AS updated
