// Fragments of the pipeline board's statements (graph/records/pipeline.py): the line after
// the filters of each pipeline_* template. An anchored match (row-level scope, an owner or a
// tag) may reach a customer by more than one path, so the templates keep each customer once;
// a plain scan of Customer nodes meets each once already and skips that (costly) step.

// fragment: distinct_customers
// params: none
WITH DISTINCT n

// fragment: each_customer
// params: none
WITH n
