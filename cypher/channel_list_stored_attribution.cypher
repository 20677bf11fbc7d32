// Returns uid, customers, revenue, at: per Channel, the referral attribution the last
// analytics refresh stored (customers and revenue by hop, index 0 = 1 hop; null where no
// refresh has run since the channel was created).
// params: none
MATCH (ch:Channel)
RETURN ch.uid AS uid,
       ch.referred_customers_by_hop AS customers,
       ch.referred_revenue_by_hop AS revenue,
       ch.attribution_at AS at
