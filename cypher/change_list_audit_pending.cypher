// Returns uid, entity, entity_uid, action, by, request_id and ip of the history entries whose
// audit event is not in the audit log yet (audit_pending), oldest first, at most $limit.
// params: limit
MATCH (c:Change)
WHERE c.audit_pending = true
RETURN c.uid AS uid, c.entity AS entity, c.entity_uid AS entity_uid, c.action AS action,
  c.by AS by, c.request_id AS request_id, c.audit_ip AS ip
ORDER BY c.at, c.uid
LIMIT $limit
