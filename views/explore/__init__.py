"""Referral chain/tree pages and the network explorer."""
