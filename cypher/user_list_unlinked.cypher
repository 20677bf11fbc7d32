// Returns username, display_name, role for every User node that mirrors no login account
// yet (demo staff seeded into the graph), ordered by username.
// params: none
MATCH (u:User)
WHERE u.user_id IS NULL AND u.deleted_user_id IS NULL AND u.username IS NOT NULL
RETURN u.username AS username, u.display_name AS display_name, u.role AS role
ORDER BY username
