// Returns the newest $limit import records, those started by $by only unless $by is null,
// newest first, as i, with the display name of the user who started each as by_name.
// params: by, limit
MATCH (i:Import)
WHERE ($by IS NULL OR i.by = $by) AND i.at IS NOT NULL
WITH i
ORDER BY i.at DESC, i.uid DESC
LIMIT $limit
OPTIONAL MATCH (u:User {username: i.by})
RETURN i, u.display_name AS by_name
ORDER BY i.at DESC, i.uid DESC
