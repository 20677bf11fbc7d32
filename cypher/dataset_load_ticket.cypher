// Creates a Ticket per row of $rows, each row holding all its properties; returns created.
// params: rows
UNWIND $rows AS row
CREATE (n:Ticket)
SET n = row
RETURN count(n) AS created
