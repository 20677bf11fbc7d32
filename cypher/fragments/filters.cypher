// Fragments of list filters and row-level scope (graph/records/filters.py), spliced into
// the node_* templates by graph/store/composition.py. Each is a predicate on n or a MATCH
// line anchoring n; $value is renamed to the condition's parameter (f0, f1, ...).

// fragment: prop_eq
// params: value
n.__prop__ = $value

// fragment: prop_neq
// params: value
(n.__prop__ IS NULL OR n.__prop__ <> $value)

// fragment: prop_ct
// params: value
toLower(toString(n.__prop__)) CONTAINS toLower(toString($value))

// fragment: prop_sw
// params: value
n.__prop__ STARTS WITH $value

// fragment: prop_gt
// params: value
n.__prop__ > $value

// fragment: prop_lt
// params: value
// coalesce(x, x) is x, but keeps FalkorDB 4.16 off its range index, which answers every
// node for "n.uid < $value" on an indexed string property (the list's "Smaller than").
coalesce(n.__prop__, n.__prop__) < $value

// fragment: prop_in
// params: value
n.__prop__ IN $value

// fragment: prop_null
// params: none
n.__prop__ IS NULL

// fragment: prop_not_null
// params: none
n.__prop__ IS NOT NULL

// fragment: rel_out_anchor
// A MATCH line starting from the related node: "n's relation is $value".
// params: value
MATCH (n:__Label__)-[:__REL__]->(a__i__:__Target__ {uid: $value})

// fragment: rel_in_anchor
// params: value
MATCH (n:__Label__)<-[:__REL__]-(a__i__:__Target__ {uid: $value})

// fragment: rel_out_eq
// A pattern predicate may not introduce a variable (FalkorDB: "Unable to resolve filtered
// alias"), so the target stays anonymous.
// params: value
(n)-[:__REL__]->(:__Target__ {uid: $value})

// fragment: rel_in_eq
// params: value
(n)<-[:__REL__]-(:__Target__ {uid: $value})

// fragment: rel_out_any
// params: none
(n)-[:__REL__]->(:__Target__)

// fragment: rel_in_any
// params: none
(n)<-[:__REL__]-(:__Target__)

// fragment: rel_out_none
// params: none
NOT (n)-[:__REL__]->(:__Target__)

// fragment: rel_in_none
// params: none
NOT (n)<-[:__REL__]-(:__Target__)

// fragment: scope_start
// "visible to the user named $user", read from the node: its hops to the owning user come
// next (scope_step_*), then the team (scope_team).
// params: none
(n)

// fragment: scope_step_out
// params: none
-[:__REL__]->(:__Target__)

// fragment: scope_step_in
// params: none
<-[:__REL__]-(:__Target__)

// fragment: scope_team
// params: user
-[:__REL__*0..]->(:__Target__ {username: $user})

// fragment: scope_anchor_team
// The same walk for a list, as a MATCH from the user down the team to the node (cheap):
// scope_anchor_back_* steps follow, the last one (scope_anchor_node_*) binding n.
// params: user
MATCH (:__Target__ {username: $user})<-[:__REL__*0..]-(:__Target__)

// fragment: scope_anchor_back_out
// params: none
<-[:__REL__]-(:__Source__)

// fragment: scope_anchor_back_in
// params: none
-[:__REL__]->(:__Source__)

// fragment: scope_anchor_node_out
// params: none
<-[:__REL__]-(n:__Source__)

// fragment: scope_anchor_node_in
// params: none
-[:__REL__]->(n:__Source__)

// fragment: page_order_asc
// The ordering line of node_page, and the one descending() puts in its place.
// params: none
ORDER BY n.__prop__ IS NULL, n.__prop__, n.uid

// fragment: page_order_desc
// params: none
ORDER BY n.__prop__ IS NULL, n.__prop__ DESC, n.uid DESC

// fragment: page_after_asc
// Keyset paging (exports): the rows after the one with sort value $value and uid $uid in
// the page_order_asc order (nulls last, then uid).
// params: value, uid
(n.__prop__ > $value OR (n.__prop__ = $value AND n.uid > $uid) OR n.__prop__ IS NULL)

// fragment: page_after_desc
// coalesce(x, x) is x, but keeps FalkorDB 4.16 off its range index: through the index,
// "n.uid < $uid" on a string property answers every node.
// params: value, uid
(coalesce(n.__prop__, n.__prop__) < $value OR (n.__prop__ = $value AND coalesce(n.uid, n.uid) < $uid) OR n.__prop__ IS NULL)

// fragment: page_after_null_asc
// After a row whose sort value is null: only the nulls left, by uid.
// params: uid
(n.__prop__ IS NULL AND n.uid > $uid)

// fragment: page_after_null_desc
// params: uid
(n.__prop__ IS NULL AND coalesce(n.uid, n.uid) < $uid)
