// Template part, spliced into import_create_batch after its WITH count(*) AS done line:
// creates a __Target__ per item of $contacts (a list: the uid of the __Label__ the batch
// created it with, its own uid, then its properties, whose entries are composed into the
// CREATE's map after its import_id) linked to that record by __REL__ (contact)-->(n),
// tagged with the import id, and linked to the batch's history entry (the Change
// $change_uid, which import_create_batch wrote) by CHANGED.
// params: now, actor, import_id, change_uid, contacts
UNWIND [] AS nothing
WITH count(*) AS done
MATCH (batch:Change {uid: $change_uid})
UNWIND $contacts AS k
MATCH (n:__Label__ {uid: k[0]})
CREATE (p:__Target__ {uid: k[1], created_at: $now, updated_at: $now, version: 1,
                      import_id: $import_id})
CREATE (p)-[:__REL__ {at: $now, by: $actor}]->(n)
CREATE (batch)-[:CHANGED]->(p)
WITH count(*) AS done
RETURN done
