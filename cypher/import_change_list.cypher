// The history entries an import $import_id wrote for action $action, after the entry uid
// $after, in uid order, at most $limit; returns c (undo walks them batch by batch).
// params: import_id, action, after, limit
MATCH (c:Change)
WHERE c.import_id = $import_id AND c.action = $action AND c.uid > $after
RETURN c
ORDER BY c.uid
LIMIT $limit
