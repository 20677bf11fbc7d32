// FalkorDB schema of what no node declaration covers; the declared node types' constraints
// and indexes (unique uid, unique=True, indexed=True, the blind index of pii=True) follow it,
// rendered from schema_index_create.cypher and schema_unique_create.cypher by
// graph/records/schema.py. The same items as cypher/neo4j/schema.cypher.
// FalkorDB needs an index before a unique constraint and creates constraints with the
// GRAPH.CONSTRAINT command: the backend translates the exact form
// 'CREATE CONSTRAINT FOR (n:Label) REQUIRE n.prop IS UNIQUE' into that command.
// Existing indexes and constraints are reported as present, so applying is idempotent.

CREATE INDEX FOR (n:Segment) ON (n.uid);
CREATE CONSTRAINT FOR (n:Segment) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Change) ON (n.uid);
CREATE CONSTRAINT FOR (n:Change) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Serial) ON (n.uid);
CREATE CONSTRAINT FOR (n:Serial) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Consent) ON (n.uid);
CREATE CONSTRAINT FOR (n:Consent) REQUIRE n.uid IS UNIQUE;

CREATE INDEX FOR (n:Customer) ON (n.created_at);
CREATE INDEX FOR (n:Change) ON (n.at);
CREATE INDEX FOR (n:Change) ON (n.entity_uid);
// History entries whose audit event is still to be written (graph/records/audit_intent.py).
CREATE INDEX FOR (n:Change) ON (n.audit_pending);
// A REST create's Idempotency-Key: a retry never creates a second record.
CREATE INDEX FOR (n:Change) ON (n.idempotency_key);
CREATE CONSTRAINT FOR (n:Change) REQUIRE n.idempotency_key IS UNIQUE;

// One User node per security-store account (graph/records/users.py mirrors accounts by user_id).
CREATE INDEX FOR (n:User) ON (n.user_id);
CREATE CONSTRAINT FOR (n:User) REQUIRE n.user_id IS UNIQUE;

// Global search (graph/records/search.py): keys derived from the name (search_keys.py),
// matched by prefix ranges, and the keyed index of a phone's last four digits (pii.py).
CREATE INDEX FOR (n:Customer) ON (n.search_name);
CREATE INDEX FOR (n:Customer) ON (n.search_pinyin);
CREATE INDEX FOR (n:Customer) ON (n.search_initials);
CREATE INDEX FOR (n:Customer) ON (n.phone_last4_bidx);
CREATE INDEX FOR (n:Contact) ON (n.search_name);
CREATE INDEX FOR (n:Contact) ON (n.search_pinyin);
CREATE INDEX FOR (n:Contact) ON (n.search_initials);
CREATE INDEX FOR (n:Contact) ON (n.phone_last4_bidx);
CREATE INDEX FOR (n:Referrer) ON (n.search_name);
CREATE INDEX FOR (n:Referrer) ON (n.search_pinyin);
CREATE INDEX FOR (n:Referrer) ON (n.search_initials);
CREATE INDEX FOR (n:Referrer) ON (n.phone_last4_bidx);

// Imports (graph/io/imports/): the import records, saved column mappings, and the history
// entries an import wrote (its undo walks them).
CREATE INDEX FOR (n:Import) ON (n.uid);
CREATE CONSTRAINT FOR (n:Import) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Import) ON (n.file_hash);
CREATE INDEX FOR (n:ImportMapping) ON (n.uid);
CREATE CONSTRAINT FOR (n:ImportMapping) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Change) ON (n.import_id);
