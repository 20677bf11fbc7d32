// Deletes every node and relationship of the graph; returns deleted (count of nodes).
// Resets the test graph before each test (tests only: never in the app's library).
// params: none
MATCH (n)
DETACH DELETE n
RETURN count(n) AS deleted
