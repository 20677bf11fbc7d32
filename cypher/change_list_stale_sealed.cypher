// Returns uid of each history entry holding personal data encrypted under a key other than
// $key_id (entries name their key in key_id): what a key rotation must re-encrypt.
// params: key_id
MATCH (c:Change)
WHERE c.key_id IS NOT NULL AND c.key_id <> $key_id
RETURN c.uid AS uid
