"""Segment pages and APIs."""
