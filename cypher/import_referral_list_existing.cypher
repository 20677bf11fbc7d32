// The referral links into the Customers $uids: returns referred (the customer's uid),
// referrer (the uid of the Customer, Contact or Referrer that referred it), labels (the
// referrer's) and props (the link's properties, which undo puts back after a replacement).
// params: uids
UNWIND $uids AS uid
MATCH (b:Customer {uid: uid})<-[link:REFERRED]-(a)
RETURN b.uid AS referred, a.uid AS referrer, labels(a) AS labels, properties(link) AS props
