// Creates a unique constraint on a declared node type's property; the backend sends this
// exact form as a GRAPH.CONSTRAINT command (graph/store/falkordb.py) and needs the index on
// the property first. Rendered per declaration by graph/records/schema.py.
// params: none
CREATE CONSTRAINT FOR (n:__Label__) REQUIRE n.__prop__ IS UNIQUE
