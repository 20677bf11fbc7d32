// Marks this database as a test server's (an index on a label no node ever has), so the
// test suite may empty it; the mark survives the emptying. Returns nothing.
// params: none
CREATE INDEX graphcrm_test_server IF NOT EXISTS FOR (n:GraphCRMTestServer) ON (n.marker)
