// Creates a Tag per row of $rows, each row holding all its properties; returns created.
// params: rows
UNWIND $rows AS row
CREATE (n:Tag)
SET n = row
RETURN count(n) AS created
