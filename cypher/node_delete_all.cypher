// Deletes every node and relationship of the graph; returns deleted (count of nodes).
// Used to reset a test graph and before a full restore; never reachable from the UI.
// params: none
MATCH (n)
DETACH DELETE n
RETURN count(n) AS deleted
