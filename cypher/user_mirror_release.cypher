// Frees $username for the account $user_id: another account's User node holding it (a
// deleted account, or a rename not mirrored yet) becomes '<username>#<its account id>';
// returns released (how many nodes were renamed).
// params: user_id, username, now
MATCH (n:User {username: $username})
WHERE n.user_id <> $user_id OR (n.user_id IS NULL AND n.deleted_user_id IS NOT NULL)
SET n.username = n.username + '#' + toString(coalesce(n.user_id, n.deleted_user_id)),
    n.updated_at = $now,
    n.version = coalesce(n.version, 0) + 1
RETURN count(n) AS released
