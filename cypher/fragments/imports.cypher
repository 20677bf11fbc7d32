// Fragments of an import's create statement (graph/io/imports/writer.py): each is the
// entry of one declared property, from column __i__ of its row, in the map of properties
// the node is created with. Rows are lists (the engine reads a list faster than a map
// with its keys repeated in every row); a column a row leaves empty (null) sets nothing.
// Created with its properties, a node is written in one step: FalkorDB ran a SET after the
// CREATE as a second pass over every node just created (an Update step in its profile).

// fragment: record_column
// params:
__prop__: row[__i__]

// fragment: contact_column
// params:
__prop__: k[__i__]
