// Records a new import $props (uid, file_hash, state 'running', ...) unless an import of the
// same file ($file_hash) is still running or was interrupted; returns uid (no row: refused).
// params: props, file_hash
OPTIONAL MATCH (busy:Import {file_hash: $file_hash})
WHERE busy.state IN ['running', 'undoing']
WITH count(busy) AS running
WHERE running = 0
CREATE (i:Import)
SET i = $props
RETURN i.uid AS uid
