// Returns username, display_name, role (the seeded job: sales or service), manager and
// manager_name (whom they report to) and reports (how many report to them) for every staff
// User node seeded by the demo, ordered by username.
// params: none
MATCH (u:User)
WHERE u.role IS NOT NULL AND u.username IS NOT NULL
OPTIONAL MATCH (u)-[:REPORTS_TO]->(m:User)
OPTIONAL MATCH (r:User)-[:REPORTS_TO]->(u)
RETURN u.username AS username, u.display_name AS display_name, u.role AS role,
  m.username AS manager, m.display_name AS manager_name, count(r) AS reports
ORDER BY username
