// FalkorDB schema: the same constraints and indexes as cypher/neo4j/schema.cypher.
// FalkorDB needs an index before a unique constraint and creates constraints with the
// GRAPH.CONSTRAINT command: the backend translates the exact form
// 'CREATE CONSTRAINT FOR (n:Label) REQUIRE n.prop IS UNIQUE' into that command.
// Existing indexes and constraints are reported as present, so applying is idempotent.

CREATE INDEX FOR (n:Customer) ON (n.uid);
CREATE CONSTRAINT FOR (n:Customer) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Contact) ON (n.uid);
CREATE CONSTRAINT FOR (n:Contact) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Referrer) ON (n.uid);
CREATE CONSTRAINT FOR (n:Referrer) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Channel) ON (n.uid);
CREATE CONSTRAINT FOR (n:Channel) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Tag) ON (n.uid);
CREATE CONSTRAINT FOR (n:Tag) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:User) ON (n.uid);
CREATE CONSTRAINT FOR (n:User) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:FollowUp) ON (n.uid);
CREATE CONSTRAINT FOR (n:FollowUp) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Order) ON (n.uid);
CREATE CONSTRAINT FOR (n:Order) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Ticket) ON (n.uid);
CREATE CONSTRAINT FOR (n:Ticket) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Segment) ON (n.uid);
CREATE CONSTRAINT FOR (n:Segment) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Change) ON (n.uid);
CREATE CONSTRAINT FOR (n:Change) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Serial) ON (n.uid);
CREATE CONSTRAINT FOR (n:Serial) REQUIRE n.uid IS UNIQUE;
CREATE INDEX FOR (n:Consent) ON (n.uid);
CREATE CONSTRAINT FOR (n:Consent) REQUIRE n.uid IS UNIQUE;

CREATE INDEX FOR (n:Customer) ON (n.name);
CREATE INDEX FOR (n:Customer) ON (n.stage);
CREATE INDEX FOR (n:Customer) ON (n.created_at);
CREATE INDEX FOR (n:Customer) ON (n.status);
CREATE INDEX FOR (n:Customer) ON (n.referral_descendants);
CREATE INDEX FOR (n:Customer) ON (n.influence);
CREATE INDEX FOR (n:Customer) ON (n.community);
CREATE INDEX FOR (n:Contact) ON (n.name);
CREATE INDEX FOR (n:Channel) ON (n.name);
CREATE INDEX FOR (n:Tag) ON (n.name);
CREATE INDEX FOR (n:User) ON (n.username);
CREATE INDEX FOR (n:User) ON (n.user_id);
CREATE INDEX FOR (n:FollowUp) ON (n.at);
CREATE INDEX FOR (n:Order) ON (n.at);
CREATE INDEX FOR (n:Ticket) ON (n.status);
CREATE INDEX FOR (n:Referrer) ON (n.name);
CREATE INDEX FOR (n:Change) ON (n.at);
CREATE INDEX FOR (n:Change) ON (n.entity_uid);
// History entries whose audit event is still to be written (graph/audit_intent.py).
CREATE INDEX FOR (n:Change) ON (n.audit_pending);
// A REST create's Idempotency-Key: a retry never creates a second record.
CREATE INDEX FOR (n:Change) ON (n.idempotency_key);
CREATE CONSTRAINT FOR (n:Change) REQUIRE n.idempotency_key IS UNIQUE;

// Personal data is stored encrypted (graph/pii.py); exact search and duplicate checks use
// the blind index beside each pii=True property (graph/nodes.py), so that is what is indexed.
CREATE INDEX FOR (n:User) ON (n.phone_bidx);
CREATE INDEX FOR (n:User) ON (n.email_bidx);
CREATE INDEX FOR (n:Referrer) ON (n.phone_bidx);
CREATE INDEX FOR (n:Referrer) ON (n.email_bidx);
CREATE INDEX FOR (n:Customer) ON (n.phone_bidx);
CREATE INDEX FOR (n:Customer) ON (n.email_bidx);
CREATE INDEX FOR (n:Customer) ON (n.id_number_bidx);
CREATE INDEX FOR (n:Contact) ON (n.phone_bidx);
CREATE INDEX FOR (n:Contact) ON (n.email_bidx);
CREATE INDEX FOR (n:Contact) ON (n.wechat_bidx);

// Declared unique properties (graph/nodes.py: unique=True) back FAB's unique validator.
CREATE CONSTRAINT FOR (n:User) REQUIRE n.username IS UNIQUE;
CREATE CONSTRAINT FOR (n:Channel) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT FOR (n:Tag) REQUIRE n.name IS UNIQUE;
// One User node per security-store account (graph/users.py mirrors accounts by user_id).
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
