// Returns the imports of the file $file_hash that are running or were interrupted, as i.
// params: file_hash
MATCH (i:Import {file_hash: $file_hash})
WHERE i.state IN ['running', 'undoing']
RETURN i
