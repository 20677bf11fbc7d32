// Sets $props on the import record $uid (state, counts, times), only while its state is
// $only_from unless that is null; returns uid (no row: no such import, or in another state).
// params: uid, props, only_from
MATCH (i:Import {uid: $uid})
WHERE $only_from IS NULL OR i.state = $only_from
SET i += $props
RETURN i.uid AS uid
