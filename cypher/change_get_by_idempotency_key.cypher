// Returns entity_uid and request_hash of the create that carried the idempotency key $key
// (no row when none did).
// params: key
MATCH (c:Change {idempotency_key: $key})
RETURN c.entity_uid AS entity_uid, c.request_hash AS request_hash
LIMIT 1
