// One batch of a referral-link import, atomically: advances the import $import_id to
// $cursor with $counts, then for each row of $rows links the referrer row.referrer (the uid
// of a Customer, Contact or Referrer) to the Customer row.referred by REFERRED {at: row.at,
// by, import_id}, with the history entry row.change on the customer; returns created.
// params: import_id, cursor, counts, rows, now, actor
MATCH (imp:Import {uid: $import_id})
SET imp.cursor = $cursor, imp.counts = $counts, imp.updated_at = $now
WITH imp
UNWIND $rows AS row
MATCH (b:Customer {uid: row.referred})
OPTIONAL MATCH (c:Customer {uid: row.referrer})
OPTIONAL MATCH (k:Contact {uid: row.referrer})
OPTIONAL MATCH (r:Referrer {uid: row.referrer})
WITH b, row, coalesce(c, k, r) AS a
WHERE a IS NOT NULL
CREATE (a)-[:REFERRED {at: row.at, by: $actor, import_id: $import_id}]->(b)
CREATE (h:Change)
SET h = row.change, h.entity_uid = b.uid, h.version = b.version, h.import_id = $import_id
CREATE (h)-[:CHANGED]->(b)
RETURN count(h) AS created
