// Creates a Contact per row of $rows, each row holding all its properties; returns created.
// params: rows
UNWIND $rows AS row
CREATE (n:Contact)
SET n = row
RETURN count(n) AS created
