// Creates a User per row of $rows, each row holding all its properties; returns created.
// params: rows
UNWIND $rows AS row
CREATE (n:User)
SET n = row
RETURN count(n) AS created
