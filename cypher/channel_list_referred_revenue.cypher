// Returns uid, hops, customers, revenue: per Channel and referral distance, the customers
// reached through REFERRED chains from the channel's direct customers, each counted once at
// its nearest hop, with the amount of their orders. Customers acquired directly through the
// same channel are not counted again. The bound *1..10 is the maximum;
// graph/analytics/attribution.py replaces it with a validated smaller integer through
// graph/store/composition.py with_bound (bounds cannot be parameters).
// params: none
MATCH path = (ch:Channel)<-[:ACQUIRED_VIA]-(:Customer)-[:REFERRED*1..10]->(d:Customer)
WHERE NOT (d)-[:ACQUIRED_VIA]->(ch)
WITH ch, d, min(length(path)) - 1 AS hops
OPTIONAL MATCH (d)-[:PLACED]->(o:Order)
WITH ch, d, hops, sum(o.amount) AS spent
RETURN ch.uid AS uid, hops, count(d) AS customers, sum(spent) AS revenue
ORDER BY uid, hops
