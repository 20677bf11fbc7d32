// Neo4j schema of what no node declaration covers; the declared node types' constraints and
// indexes (unique uid, unique=True, indexed=True, the blind index of pii=True) follow it,
// rendered from schema_index_create.cypher and schema_unique_create.cypher by
// graph/records/schema.py. Applied at start by 'graphcrm init' / app start; every statement
// is idempotent.

CREATE CONSTRAINT segment_uid IF NOT EXISTS FOR (n:Segment) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT change_uid IF NOT EXISTS FOR (n:Change) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT serial_uid IF NOT EXISTS FOR (n:Serial) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT consent_uid IF NOT EXISTS FOR (n:Consent) REQUIRE n.uid IS UNIQUE;

CREATE INDEX customer_created_at IF NOT EXISTS FOR (n:Customer) ON (n.created_at);
CREATE INDEX change_at IF NOT EXISTS FOR (n:Change) ON (n.at);
CREATE INDEX change_entity_uid IF NOT EXISTS FOR (n:Change) ON (n.entity_uid);
// History entries whose audit event is still to be written (graph/records/audit_intent.py).
CREATE INDEX change_audit_pending IF NOT EXISTS FOR (n:Change) ON (n.audit_pending);
// A REST create's Idempotency-Key: a retry never creates a second record.
CREATE CONSTRAINT change_idempotency_key IF NOT EXISTS FOR (n:Change) REQUIRE n.idempotency_key IS UNIQUE;

// One User node per security-store account (graph/records/users.py mirrors accounts by user_id).
CREATE CONSTRAINT user_user_id IF NOT EXISTS FOR (n:User) REQUIRE n.user_id IS UNIQUE;

// Global search (graph/records/search.py): keys derived from the name (search_keys.py),
// matched by prefix ranges, and the keyed index of a phone's last four digits (pii.py).
CREATE INDEX customer_search_name IF NOT EXISTS FOR (n:Customer) ON (n.search_name);
CREATE INDEX customer_search_pinyin IF NOT EXISTS FOR (n:Customer) ON (n.search_pinyin);
CREATE INDEX customer_search_initials IF NOT EXISTS FOR (n:Customer) ON (n.search_initials);
CREATE INDEX customer_phone_last4_bidx IF NOT EXISTS FOR (n:Customer) ON (n.phone_last4_bidx);
CREATE INDEX contact_search_name IF NOT EXISTS FOR (n:Contact) ON (n.search_name);
CREATE INDEX contact_search_pinyin IF NOT EXISTS FOR (n:Contact) ON (n.search_pinyin);
CREATE INDEX contact_search_initials IF NOT EXISTS FOR (n:Contact) ON (n.search_initials);
CREATE INDEX contact_phone_last4_bidx IF NOT EXISTS FOR (n:Contact) ON (n.phone_last4_bidx);
CREATE INDEX referrer_search_name IF NOT EXISTS FOR (n:Referrer) ON (n.search_name);
CREATE INDEX referrer_search_pinyin IF NOT EXISTS FOR (n:Referrer) ON (n.search_pinyin);
CREATE INDEX referrer_search_initials IF NOT EXISTS FOR (n:Referrer) ON (n.search_initials);
CREATE INDEX referrer_phone_last4_bidx IF NOT EXISTS FOR (n:Referrer) ON (n.phone_last4_bidx);

// Imports (graph/io/imports/): the import records, saved column mappings, and the history
// entries an import wrote (its undo walks them).
CREATE CONSTRAINT import_uid IF NOT EXISTS FOR (n:Import) REQUIRE n.uid IS UNIQUE;
CREATE INDEX import_file_hash IF NOT EXISTS FOR (n:Import) ON (n.file_hash);
CREATE CONSTRAINT import_mapping_uid IF NOT EXISTS FOR (n:ImportMapping) REQUIRE n.uid IS UNIQUE;
CREATE INDEX change_import_id IF NOT EXISTS FOR (n:Change) ON (n.import_id);
