// Template (graph/records/pipeline.py): returns stage, currency, customers (null), amount:
// the sum of the order amounts of the Customer nodes matching the filters compiled into
// WHERE, per stage and currency. Joined by UNION ALL with pipeline_stage_counts.
// params: none
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
MATCH (n)-[:PLACED]->(o:Order)
RETURN n.stage AS stage, o.currency AS currency, null AS customers, sum(o.amount) AS amount
