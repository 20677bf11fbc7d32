"""Segments: saved rule sets, their compiler and members."""
