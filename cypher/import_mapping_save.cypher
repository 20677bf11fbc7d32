// Saves a named column mapping (uid = type:name), replacing an earlier one; returns uid.
// params: uid, props
MERGE (m:ImportMapping {uid: $uid})
SET m += $props
RETURN m.uid AS uid
