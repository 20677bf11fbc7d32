// Neo4j schema: a unique uid per node type and the indexes lists, filters and lookups use.
// Applied at start by 'graphcrm init' / app start; every statement is idempotent.

CREATE CONSTRAINT customer_uid IF NOT EXISTS FOR (n:Customer) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT contact_uid IF NOT EXISTS FOR (n:Contact) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT referrer_uid IF NOT EXISTS FOR (n:Referrer) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT channel_uid IF NOT EXISTS FOR (n:Channel) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT tag_uid IF NOT EXISTS FOR (n:Tag) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT user_uid IF NOT EXISTS FOR (n:User) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT follow_up_uid IF NOT EXISTS FOR (n:FollowUp) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT order_uid IF NOT EXISTS FOR (n:Order) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT ticket_uid IF NOT EXISTS FOR (n:Ticket) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT segment_uid IF NOT EXISTS FOR (n:Segment) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT change_uid IF NOT EXISTS FOR (n:Change) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT serial_uid IF NOT EXISTS FOR (n:Serial) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT consent_uid IF NOT EXISTS FOR (n:Consent) REQUIRE n.uid IS UNIQUE;

CREATE INDEX customer_name IF NOT EXISTS FOR (n:Customer) ON (n.name);
CREATE INDEX customer_stage IF NOT EXISTS FOR (n:Customer) ON (n.stage);
CREATE INDEX customer_created_at IF NOT EXISTS FOR (n:Customer) ON (n.created_at);
CREATE INDEX customer_status IF NOT EXISTS FOR (n:Customer) ON (n.status);
CREATE INDEX customer_referral_descendants IF NOT EXISTS FOR (n:Customer) ON (n.referral_descendants);
CREATE INDEX customer_influence IF NOT EXISTS FOR (n:Customer) ON (n.influence);
CREATE INDEX customer_community IF NOT EXISTS FOR (n:Customer) ON (n.community);
CREATE INDEX contact_name IF NOT EXISTS FOR (n:Contact) ON (n.name);
CREATE INDEX follow_up_at IF NOT EXISTS FOR (n:FollowUp) ON (n.at);
CREATE INDEX order_at IF NOT EXISTS FOR (n:Order) ON (n.at);
CREATE INDEX ticket_status IF NOT EXISTS FOR (n:Ticket) ON (n.status);
CREATE INDEX referrer_name IF NOT EXISTS FOR (n:Referrer) ON (n.name);
CREATE INDEX change_at IF NOT EXISTS FOR (n:Change) ON (n.at);
CREATE INDEX change_entity_uid IF NOT EXISTS FOR (n:Change) ON (n.entity_uid);
// History entries whose audit event is still to be written (graph/audit_intent.py).
CREATE INDEX change_audit_pending IF NOT EXISTS FOR (n:Change) ON (n.audit_pending);
// A REST create's Idempotency-Key: a retry never creates a second record.
CREATE CONSTRAINT change_idempotency_key IF NOT EXISTS FOR (n:Change) REQUIRE n.idempotency_key IS UNIQUE;

// Personal data is stored encrypted (graph/pii.py); exact search and duplicate checks use
// the blind index beside each pii=True property (graph/nodes.py), so that is what is indexed.
CREATE INDEX user_phone_bidx IF NOT EXISTS FOR (n:User) ON (n.phone_bidx);
CREATE INDEX user_email_bidx IF NOT EXISTS FOR (n:User) ON (n.email_bidx);
CREATE INDEX referrer_phone_bidx IF NOT EXISTS FOR (n:Referrer) ON (n.phone_bidx);
CREATE INDEX referrer_email_bidx IF NOT EXISTS FOR (n:Referrer) ON (n.email_bidx);
CREATE INDEX customer_phone_bidx IF NOT EXISTS FOR (n:Customer) ON (n.phone_bidx);
CREATE INDEX customer_email_bidx IF NOT EXISTS FOR (n:Customer) ON (n.email_bidx);
CREATE INDEX customer_id_number_bidx IF NOT EXISTS FOR (n:Customer) ON (n.id_number_bidx);
CREATE INDEX contact_phone_bidx IF NOT EXISTS FOR (n:Contact) ON (n.phone_bidx);
CREATE INDEX contact_email_bidx IF NOT EXISTS FOR (n:Contact) ON (n.email_bidx);
CREATE INDEX contact_wechat_bidx IF NOT EXISTS FOR (n:Contact) ON (n.wechat_bidx);

// Declared unique properties (graph/nodes.py: unique=True) back FAB's unique validator.
CREATE CONSTRAINT user_username IF NOT EXISTS FOR (n:User) REQUIRE n.username IS UNIQUE;
CREATE CONSTRAINT channel_name IF NOT EXISTS FOR (n:Channel) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT tag_name IF NOT EXISTS FOR (n:Tag) REQUIRE n.name IS UNIQUE;
// One User node per security-store account (graph/users.py mirrors accounts by user_id).
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
