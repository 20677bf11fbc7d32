"""Caching a function of a node type (``type[NodeModel]``) without losing its signature."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import ParamSpec, TypeVar, cast

Params = ParamSpec("Params")
Result = TypeVar("Result")


def cache_per_type(func: Callable[Params, Result]) -> Callable[Params, Result]:
    """``functools.cache`` for functions of a node type (``type[NodeModel]``), keeping their
    signature for type checkers: mypy does not see a class as ``Hashable``, the argument type
    of a plain ``@cache`` wrapper."""
    return cast(Callable[Params, Result], cache(func))
