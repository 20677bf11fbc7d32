// The referral links that exist among $pairs (each {referrer, referred}: the uid of a
// Customer, Contact or Referrer, and a Customer uid); returns referrer and referred.
// params: pairs
UNWIND $pairs AS pair
MATCH (b:Customer {uid: pair.referred})<-[:REFERRED]-(a)
WHERE a.uid = pair.referrer
RETURN DISTINCT a.uid AS referrer, b.uid AS referred
