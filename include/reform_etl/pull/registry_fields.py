"""Typed field access for the source registry that collects every problem instead of stopping at the first."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any


class Fields:
    """Reads typed fields from one mapping and records every problem with its location."""

    def __init__(self, data: Mapping[str, Any], where: str, problems: list[str], *, prefix: str = "") -> None:
        self.data = dict(data)
        self.where = where
        self.problems = problems
        self.prefix = prefix
        self.used: set[str] = set()

    def problem(self, name: str, message: str) -> None:
        self.problems.append(f"{self.where}: field {self.prefix + name!r}: {message}")

    def take(self, name: str) -> Any:
        self.used.add(name)
        return self.data.get(name)

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        default: str | None = None,
        choices: tuple[str, ...] | None = None,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        value = self.take(name)
        if value is None or value == "":
            if required:
                self.problem(name, "missing" + (f": one of {', '.join(choices)}" if choices else ""))
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(name, f"must be text, got {type(value).__name__}")
            return default
        if choices and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(name, f"{value!r} is not one of {', '.join(choices)}{suggestion}")
            return default
        if pattern and not pattern.fullmatch(value):
            self.problem(name, f"{value!r} is not valid" + (f": {hint}" if hint else ""))
            return default
        return value

    def number(
        self,
        name: str,
        *,
        default: float,
        minimum: float,
        maximum: float,
        integer: bool = False,
    ) -> float:
        value = self.take(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
            self.problem(name, f"must be {'a whole number' if integer else 'a number'}, got {value!r}")
            return default
        if not minimum <= value <= maximum:
            self.problem(name, f"{value} is outside {minimum:g}..{maximum:g}")
            return default
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.take(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(name, f"must be true or false, got {value!r}")
            return default
        return value

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.take(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(name, f"must be a mapping, got {type(value).__name__}")
            return None
        return value

    def string_map(self, name: str) -> dict[str, str]:
        value = self.mapping(name)
        if not value:
            return {}
        out: dict[str, str] = {}
        for key, inner in value.items():
            if isinstance(inner, bool) or not isinstance(inner, str | int | float):
                self.problem(f"{name}.{key}", "must be text or a number")
                continue
            out[str(key)] = str(inner)
        return out

    def finish(self) -> None:
        """Unknown fields are errors: a typo would otherwise silently fall back to a default."""
        for name in self.data:
            if name in self.used:
                continue
            close = difflib.get_close_matches(str(name), sorted(self.used), n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(str(name), f"unknown field{suggestion}")
