// Fragments of an import's create statement (graph/io/imports/writer.py): each is the
// entry of one declared property, from column __i__ of its row, in the map of properties
// the node is created with. Rows are lists (the engine reads a list faster than a map
// with its keys repeated in every row); a column a row leaves empty (null) sets nothing.
// Created with its properties, a node is indexed once; set after its CREATE, each node's
// index entries were written twice (the engine's time for a batch about doubled).

// fragment: record_column
// params:
__prop__: row[__i__]

// fragment: contact_column
// params:
__prop__: k[__i__]
