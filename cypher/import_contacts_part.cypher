// Template part, spliced into import_create_batch after its WITH count(*) AS done line:
// creates a __Target__ per item of $contacts (a list: the uid of the __Label__ the batch
// created it with, its own uid, then its properties, set by the SET clause composed in
// place of the SET p += {} line) linked to that record by __REL__ (contact)-->(n),
// tagged with the import id, and linked to the batch's history entry (the Change
// $change_uid, which import_create_batch wrote) by CHANGED.
// params: now, actor, import_id, change_uid, contacts
UNWIND [] AS nothing
WITH count(*) AS done
MATCH (batch:Change {uid: $change_uid})
UNWIND $contacts AS k
MATCH (n:__Label__ {uid: k[0]})
CREATE (p:__Target__)
SET p.uid = k[1], p.created_at = $now, p.updated_at = $now, p.version = 1,
    p.import_id = $import_id
SET p += {}
CREATE (p)-[:__REL__ {at: $now, by: $actor}]->(n)
CREATE (batch)-[:CHANGED]->(p)
WITH count(*) AS done
RETURN done
