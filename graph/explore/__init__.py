"""Referral chains and trees, and the network explorer."""
