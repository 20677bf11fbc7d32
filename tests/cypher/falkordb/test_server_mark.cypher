// Marks this graph as a test server's (an index on a label no node ever has), so the
// test suite may empty it; the mark survives the emptying. Returns nothing.
// params: none
CREATE INDEX FOR (n:GraphCRMTestServer) ON (n.marker)
