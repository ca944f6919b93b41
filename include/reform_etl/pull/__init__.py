"""Pull provincial exports from where provinces publish them into the landing folder.

Sources are registered in ``sources.yml`` (:mod:`.registry`); each transport (:mod:`.http`,
:mod:`.sftp`, :mod:`.s3`) lists what is new and fetches it; :mod:`.runner` places every file
atomically under ``landing/<kind>/`` and records it with the source's watermark
(:mod:`.state`) so that a pull killed half-way resumes with no gap and no duplicate.

Importing this package is cheap on purpose (DAG files import :mod:`.assets` at parse
time); the public functions below load their modules on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PullResult", "load_registry", "pull_all", "pull_command", "pull_source"]

_LAZY = {
    "PullResult": "runner",
    "pull_all": "runner",
    "pull_command": "runner",
    "pull_source": "runner",
    "load_registry": "registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
