// Returns the User node mirroring the security-store account $user_id as n, and the User
// node named $username that mirrors no account yet (never mirrored) as free; either may be null.
// params: user_id, username
OPTIONAL MATCH (n:User {user_id: $user_id})
OPTIONAL MATCH (free:User {username: $username})
WHERE free.user_id IS NULL AND free.deleted_user_id IS NULL
RETURN n, free
