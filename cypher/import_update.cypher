// Sets $props on the import record $uid (state, counts, times); returns uid.
// params: uid, props
MATCH (i:Import {uid: $uid})
SET i += $props
RETURN i.uid AS uid
