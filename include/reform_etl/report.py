"""Entry point kept for the command line, the DAG and existing imports.

The report itself lives in :mod:`reform_etl.dq_report`.
"""

from __future__ import annotations

from .dq_report import write_report

__all__ = ["write_report"]
