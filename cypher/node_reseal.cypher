// Template: sets row.props (re-encrypted personal data and blind indexes, or derived search
// keys: graph/records/search_keys.py) on each __Label__ of $rows ({uid, version, props}) still at row.version, so an edit made since the values
// were read wins; version and updated_at stay (nothing changed for readers); returns resealed.
// params: rows
UNWIND $rows AS row
MATCH (n:__Label__ {uid: row.uid})
WHERE coalesce(n.version, 0) = row.version
SET n += row.props
RETURN count(n) AS resealed
