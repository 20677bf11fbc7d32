// Fragments of segment rules (graph/segments/compiler.py) on the customer n, spliced into
// the segment_member_* templates by graph/store/composition.py. A rule has a value (what
// it looks at: projected as v<i>, shown by explain) and a test; property tests are the
// prop_* fragments of filters.cypher. $value (and $from, $to) are renamed to s<i>(_from,
// _to). Relationship types, labels and properties come from node declarations; "_in" and
// "_out" name the direction the relation is declared in, seen from the node declaring it.

// fragment: prop_value
// params: none
n.__prop__

// fragment: no_value
// params: none
null

// fragment: between
// The upper bound on a substring: FalkorDB 4.16's range index answers a string upper bound
// with every node (tests/test_segments.py checks the result).
// params: from, to
(n.__prop__ >= $from AND substring(n.__prop__, 0, 10) <= $to)

// fragment: chain_in
// A referral-like chain: n is reached from the record $value within __hops__ steps.
// params: value
(n.uid <> $value AND (n)<-[:__REL__*1..__hops__]-(:__Target__ {uid: $value}))

// fragment: chain_out
// params: value
(n.uid <> $value AND (n)-[:__REL__*1..__hops__]->(:__Target__ {uid: $value}))

// fragment: many_out
// The titles of the related records among $value.
// params: value
[(n)-[:__REL__]->(t__i__:__Target__) WHERE t__i__.uid IN $value | t__i__.__prop__]

// fragment: many_in
// params: value
[(n)<-[:__REL__]-(t__i__:__Target__) WHERE t__i__.uid IN $value | t__i__.__prop__]

// fragment: one_out
// The title of the related record if it is $value.
// params: value
[(n)-[:__REL__]->(m__i__:__Target__) WHERE m__i__.uid = $value | m__i__.__prop__]

// fragment: one_in
// params: value
[(n)<-[:__REL__]-(m__i__:__Target__) WHERE m__i__.uid = $value | m__i__.__prop__]

// fragment: latest_via_out
// The latest __prop__ of the __Source__ records pointing at n ('' if none).
// params: none
reduce(m__i__ = '', a__i__ IN [(n)<-[:__REL__]-(f__i__:__Source__) | f__i__.__prop__] | CASE WHEN a__i__ > m__i__ THEN a__i__ ELSE m__i__ END)

// fragment: latest_via_in
// params: none
reduce(m__i__ = '', a__i__ IN [(n)-[:__REL__]->(f__i__:__Source__) | f__i__.__prop__] | CASE WHEN a__i__ > m__i__ THEN a__i__ ELSE m__i__ END)

// fragment: count_via_out
// How many __Source__ records are linked to n.
// params: none
size([(n)<-[:__REL__]-(o__i__:__Source__) | o__i__])

// fragment: count_via_in
// params: none
size([(n)-[:__REL__]->(o__i__:__Source__) | o__i__])

// fragment: sum_via_out
// The total of __prop__ over the __Source__ records linked to n.
// params: none
reduce(s__i__ = 0.0, a__i__ IN [(n)<-[:__REL__]-(o__i__:__Source__) | o__i__.__prop__] | s__i__ + coalesce(a__i__, 0.0))

// fragment: sum_via_in
// params: none
reduce(s__i__ = 0.0, a__i__ IN [(n)-[:__REL__]->(o__i__:__Source__) | o__i__.__prop__] | s__i__ + coalesce(a__i__, 0.0))

// fragment: reach_in
// How many distinct records n reaches down a chain declared "in" (the analytics property
// __prop__ when present, else a count to __hops__ steps: a loop ends at the bound and n
// itself is not counted).
// params: none
CASE WHEN n.__prop__ IS NULL THEN size(reduce(seen = [], x__i__ IN [(n)-[:__REL__*1..__hops__]->(d__i__:__Label__) WHERE d__i__ <> n | d__i__.uid] | CASE WHEN x__i__ IN seen THEN seen ELSE seen + x__i__ END)) ELSE n.__prop__ END

// fragment: reach_out
// params: none
CASE WHEN n.__prop__ IS NULL THEN size(reduce(seen = [], x__i__ IN [(n)<-[:__REL__*1..__hops__]-(d__i__:__Label__) WHERE d__i__ <> n | d__i__.uid] | CASE WHEN x__i__ IN seen THEN seen ELSE seen + x__i__ END)) ELSE n.__prop__ END

// fragment: test_any
// params: none
size(v__i__) > 0

// fragment: test_all
// params: value
size(v__i__) = size($value)

// fragment: test_blank
// params: none
v__i__ = ''

// fragment: test_date_before
// params: value
(v__i__ <> '' AND substring(v__i__, 0, 10) < $value)

// fragment: test_date_from
// params: value
substring(v__i__, 0, 10) >= $value

// fragment: test_at_least
// params: value
v__i__ >= $value

// fragment: evidence
// params: none
v__i__

// fragment: always
// params: none
true
