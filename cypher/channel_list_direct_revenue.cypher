// Returns uid, name, parent, customers, revenue: per Channel, the customers acquired directly
// through it (ACQUIRED_VIA) and the total amount of their orders.
// params: none
MATCH (ch:Channel)
OPTIONAL MATCH (ch)-[:PART_OF]->(up:Channel)
OPTIONAL MATCH (c:Customer)-[:ACQUIRED_VIA]->(ch)
OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
WITH ch, up, c, sum(o.amount) AS spent
RETURN ch.uid AS uid, ch.name AS name, up.name AS parent, count(c) AS customers,
       sum(spent) AS revenue
ORDER BY name, uid
