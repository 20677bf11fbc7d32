// Template (graph/records/pipeline.py): returns stage, currency (null), customers, amount
// (null): how many Customer nodes matching the filters compiled into WHERE (row-level
// scope, owner, tag, region, channel) each stage holds. Joined by UNION ALL with
// pipeline_stage_amounts, whose columns it shares.
// params: none
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
RETURN n.stage AS stage, null AS currency, count(n) AS customers, null AS amount
