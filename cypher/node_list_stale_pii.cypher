// Template: returns uid of each __Label__ whose personal-data property __prop__ is set but not
// encrypted under the key that $prefix names (plaintext, or an older key): rotation's work.
// params: prefix
MATCH (n:__Label__)
WHERE n.__prop__ IS NOT NULL AND NOT n.__prop__ STARTS WITH $prefix
RETURN n.uid AS uid
