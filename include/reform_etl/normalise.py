"""The normalise stage under its former name; it lives in :mod:`reform_etl.load.normalise`."""

from __future__ import annotations

from .load.normalise import PARSERS, Normaliser, Parser, component_code
from .load.types import FileIdentityHint, FileRejected, Rejection, RowWarning

__all__ = [
    "PARSERS",
    "FileIdentityHint",
    "FileRejected",
    "Normaliser",
    "Parser",
    "Rejection",
    "RowWarning",
    "component_code",
]
