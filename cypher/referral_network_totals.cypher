// Template (__Label__: Contact or Referrer; customers hold theirs: customer_network_totals):
// returns descendants, revenue: the referral network below the __Label__ $uid as the
// last analytics refresh left it, without walking it: the customers it referred directly,
// their stored descendants and network revenue, and their own orders. Exact while no
// customer in the network has two referrers in it (the refresh counts those once for
// customers; here a second path would count them twice).
// params: uid
MATCH (:__Label__ {uid: $uid})-[:REFERRED]->(c:Customer)
OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
WITH c, sum(o.amount) AS own
RETURN count(c) + sum(coalesce(c.referral_descendants, 0)) AS descendants,
       sum(own) + sum(coalesce(c.referral_revenue, 0.0)) AS revenue
