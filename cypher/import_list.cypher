// Returns the newest $limit import records, those started by $by only unless $by is null,
// newest first, as i.
// params: by, limit
MATCH (i:Import)
WHERE ($by IS NULL OR i.by = $by) AND i.at IS NOT NULL
RETURN i
ORDER BY i.at DESC, i.uid DESC
LIMIT $limit
