// Marks the history entries $uids as audited (their event is in the audit log): clears
// audit_pending and the client address kept for that event; returns done, how many.
// params: uids
UNWIND $uids AS uid
MATCH (c:Change {uid: uid})
SET c.audit_pending = null, c.audit_ip = null
RETURN count(c) AS done
