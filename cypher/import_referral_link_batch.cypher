// One batch of a referral-link import, atomically: advances the import $import_id to
// $cursor with $counts, then for each row of $rows links the referrer row.referrer (the uid
// of a Customer, Contact or Referrer; row.kind its label) to the Customer row.referred by
// REFERRED {at: row.at, by, import_id}, in place of the customer's links from the row.kind
// records row.unlink (those an update replaces; none for a new link), provided those are
// still all its row.kind referrers, with the history entry row.change on the customer;
// returns linked (a [referrer, referred] pair per row written: a customer whose referrers
// changed meanwhile is left out).
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
OPTIONAL MATCH (b)<-[old:REFERRED]-(x)
WHERE row.kind IN labels(x)
WITH b, row, a, collect(old) AS olds, collect(x.uid) AS current
WHERE size(current) = size(row.unlink) AND all(uid IN current WHERE uid IN row.unlink)
FOREACH (old IN olds | DELETE old)
CREATE (a)-[:REFERRED {at: row.at, by: $actor, import_id: $import_id}]->(b)
CREATE (h:Change)
SET h = row.change, h.entity_uid = b.uid, h.version = b.version, h.import_id = $import_id
CREATE (h)-[:CHANGED]->(b)
RETURN collect([a.uid, b.uid]) AS linked
