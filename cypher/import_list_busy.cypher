// The imports that are running (or were interrupted) or undoing, whose files must stay;
// returns uid and path (the upload they read).
// params: none
MATCH (i:Import)
WHERE i.state IN ['running', 'undoing']
RETURN i.uid AS uid, i.path AS path
