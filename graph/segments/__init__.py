"""Segments: saved rule sets, their compiler and members.

The package's public face for other features: the network explorer starts from a
segment's members through ``get_segment`` and ``member_page`` (the one allowance between
features in the import contract, ``.importlinter``).
"""

from graph.segments.members import member_page
from graph.segments.storage import get_segment

__all__ = ["get_segment", "member_page"]
