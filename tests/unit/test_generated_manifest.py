"""The sample exports ``make run`` loads stay byte for byte what they were.

The generator is the fixture behind most integration tests and the demo, so a refactoring
must not move a single byte or delivery day. ``tests/fixtures/generated_manifest.json`` holds
the sha256 of every file ``write_samples`` writes with its default seed, and the modification
time (the delivery moment, which decides which figure is current) of every generated export.
A second landing with a fault in every file covers the fault branches the
samples draw rarely. The Nghệ An report and ``_manifest.json`` are written without a
delivery moment, so only their bytes are compared. xlsx files are written with fixed timestamps inside and out, so
their bytes are compared like any other file's.

To accept an intended change of the samples, regenerate the manifest with
``python -m tests.unit.test_generated_manifest`` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from reform_etl.generate import MANIFEST_NAME, generate
from reform_etl.samples import write_samples

MANIFEST = Path(__file__).resolve().parents[1] / "fixtures" / "generated_manifest.json"


def describe_samples(scratch: Path) -> dict[str, dict[str, object]]:
    """sha256 of every file written, and the delivery time of each generated export."""
    write_samples(scratch / "samples")
    generate(scratch / "all_faults", provinces=4, years=(2024, 2025), dossier_rows=900, fault_rate=1, seed=11)
    described: dict[str, dict[str, object]] = {}
    for landing in (scratch / "samples", scratch / "all_faults"):
        listed = json.loads((landing / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
        delivered = {entry["path"] for entry in listed}
        for path in sorted(landing.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(landing).as_posix()
            described[f"{landing.name}/{name}"] = {
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "mtime_ns": path.stat().st_mtime_ns if name in delivered else None,
            }
    return described


def test_sample_exports_are_byte_identical_to_the_manifest(tmp_path: Path) -> None:
    expected = json.loads(MANIFEST.read_text(encoding="utf-8"))
    actual = describe_samples(tmp_path)
    assert sorted(actual) == sorted(expected)
    changed = [name for name in expected if actual[name] != expected[name]]
    assert not changed, f"{len(changed)} of {len(expected)} files differ, e.g. {changed[:5]}"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        document = describe_samples(Path(scratch))
    MANIFEST.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{MANIFEST}: {len(document)} files", file=sys.stderr)
