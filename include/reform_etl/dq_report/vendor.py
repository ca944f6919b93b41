"""The front-end files GX's Data Docs load, kept locally so the pages work on a closed network.

GX's page templates (``great_expectations/render/view/templates/*.j2``) load Bootstrap,
jQuery, Popper, Bootstrap Table, the date picker, Font Awesome and Vega from public CDNs.
Each is taken here from the npm registry at setup time (``make setup``, the Docker build:
``python -m reform_etl.dq_report.vendor``), as the exact version the template names, its
tarball checked against a pinned SHA-256 before anything is unpacked. The files are not
kept in git. ``datadocs`` copies them next to the written Data Docs and points every CDN
address at the local copy; without them it falls back to stripping the links.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Beside this module, ignored by git, shipped in the wheel as package data when present.
VENDOR_DIR = Path(__file__).resolve().parent / "assets" / "vendor"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str  # of the registry tarball
    # CDN address in GX's templates -> the same file inside the package
    files: dict[str, str]
    folders: tuple[str, ...] = ()  # copied whole: files the stylesheets load (web fonts)

    @property
    def folder(self) -> str:
        return self.name.replace("@", "").replace("/", "-")

    @property
    def tarball_url(self) -> str:
        base = self.name.rsplit("/", 1)[-1]
        return f"{REGISTRY}/{self.name}/-/{base}-{self.version}.tgz"


_TABLE = "https://unpkg.com/bootstrap-table@1.19"
_FILTER = "dist/extensions/filter-control/bootstrap-table-filter-control"
PACKAGES = (
    Package(
        "jquery",
        "3.7.1",
        "68a9f787516da47c680e09c187bcbac4536b6f85d90eb882844e12919e583f53",
        {"https://code.jquery.com/jquery-3.7.1.min.js": "dist/jquery.min.js"},
    ),
    Package(
        "popper.js",
        "1.12.9",
        "4233fad2da34a2a6bc982e7e02c85c14180af075853d97d7e3bfa7124c853cbf",
        {"https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "dist/umd/popper.min.js"},
    ),
    Package(
        "bootstrap",
        "4.3.1",
        "b109c069bbb7cee57c3ddffb65d8481db5fe7e428b6d9b1ca502119a0429bd16",
        {
            "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "dist/css/bootstrap.min.css",
            "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "dist/js/bootstrap.min.js",
        },
    ),
    Package(
        # The templates name 1.19.0 for the filter extension's style and 1.19.1 for the rest;
        # one package (1.19.1) serves both, the extension's style is the same.
        "bootstrap-table",
        "1.19.1",
        "80f84cbf2f8f92e0d5444a82fb99495ab8a286b5cdb0594102e568eb9d9fa69a",
        {
            f"{_TABLE}.1/dist/bootstrap-table.min.css": "dist/bootstrap-table.min.css",
            f"{_TABLE}.1/dist/bootstrap-table.min.js": "dist/bootstrap-table.min.js",
            f"{_TABLE}.1/{_FILTER}.min.js": f"{_FILTER}.min.js",
            f"{_TABLE}.0/{_FILTER}.min.css": f"{_FILTER}.min.css",
            f"{_TABLE}.0/{_FILTER}.css": f"{_FILTER}.css",
        },
    ),
    Package(
        "bootstrap-datepicker",
        "1.9.0",
        "342bd95b65db796e0ac35ad9296edbe6733daefc9869b2e5b27286d423e38146",
        {
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
                "dist/css/bootstrap-datepicker.min.css"
            ),
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
                "dist/js/bootstrap-datepicker.min.js"
            ),
        },
    ),
    Package(
        "@forevolve/bootstrap-dark",
        "1.1.0",
        "20b089d52bc2ae80424fc43e5263023e96bd8479e7c5d346b8766c1b792a1cfd",
        {
            "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
                "dist/css/bootstrap-prefers-dark.css"
            )
        },
    ),
    Package(
        "@fortawesome/fontawesome-free",
        "6.6.0",
        "cf0b890ab2b68d3c4ea0f93ceb81cc24b956cccf9db36c63be044a672bd3b4dd",
        {"https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/all.min.css"},
        folders=("webfonts",),
    ),
    # GX names only the major versions; these are the newest of each when pinned.
    Package(
        "vega",
        "5.33.1",
        "1b8504b6731c5311be3269c4d84ca996a5cc293bc772283293ede20c490e16c3",
        {"https://cdn.jsdelivr.net/npm/vega@5": "build/vega.min.js"},
    ),
    Package(
        "vega-lite",
        "5.23.0",
        "e4cbfdd8f6f1abe381c59cd558fd6a559c12b1496bfdf2e0c3295263a40fe4da",
        {"https://cdn.jsdelivr.net/npm/vega-lite@5": "build/vega-lite.min.js"},
    ),
    Package(
        "vega-embed",
        "6.29.0",
        "ecf1ee709c2bac9e0a4ead6908114b05b62c71493e10a8a4308109bb070f8eb1",
        {"https://cdn.jsdelivr.net/npm/vega-embed@6": "build/vega-embed.min.js"},
    ),
)


def local_files(root: Path = VENDOR_DIR) -> dict[str, Path] | None:
    """CDN address -> local file for every file GX loads, or None when any is missing."""
    found = {url: root / p.folder / inner for p in PACKAGES for url, inner in p.files.items()}
    return found if all(path.is_file() for path in found.values()) else None


def _download(package: Package, work: Path) -> bytes:
    # npm itself where it is installed (it honours the machine's registry and proxy settings);
    # the same tarball over HTTPS where it is not, as in the Airflow image.
    if shutil.which("npm"):
        # The argv is fixed but for this module's own pins; npm comes from PATH, as the user installed it.
        done = subprocess.run(  # noqa: S603
            ["npm", "pack", f"{package.name}@{package.version}", "--pack-destination", str(work), "--silent"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip():
            return (work / done.stdout.strip().splitlines()[-1]).read_bytes()
        log.warning("npm pack %s@%s failed (%s); downloading it", package.name, package.version, done.stderr[-300:])
    with urllib.request.urlopen(package.tarball_url, timeout=120) as response:  # noqa: S310 - a fixed https URL
        return bytes(response.read())


def _unpack(package: Package, tarball: bytes, target: Path) -> None:
    wanted = {f"package/{inner}" for inner in package.files.values()}
    prefixes = tuple(f"package/{folder}/" for folder in package.folders)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not (member.name in wanted or member.name.startswith(prefixes)):
                continue
            relative = Path(member.name).relative_to("package")
            if ".." in relative.parts:
                raise ValueError(f"{package.name}@{package.version}: unsafe path {member.name} in the tarball")
            out = target / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is None:  # a regular file always has content
                raise ValueError(f"{package.name}@{package.version}: {member.name} has no content")
            out.write_bytes(source.read())


def fetch(root: Path = VENDOR_DIR, *, force: bool = False) -> Path:
    """Fetch, check and unpack every package not yet present under ``root``; return ``root``."""
    with tempfile.TemporaryDirectory(prefix="reform-vendor-") as tmp:
        for package in PACKAGES:
            target = root / package.folder
            if not force and all((target / inner).is_file() for inner in package.files.values()):
                continue
            tarball = _download(package, Path(tmp))
            digest = hashlib.sha256(tarball).hexdigest()
            if digest != package.sha256:
                raise ValueError(
                    f"{package.name}@{package.version}: the tarball's SHA-256 is {digest}, "
                    f"expected {package.sha256}; nothing was unpacked"
                )
            staging = Path(tmp) / package.folder
            _unpack(package, tarball, staging)
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), target)
            log.info("vendored %s@%s", package.name, package.version)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch the front-end files GX's Data Docs load (npm registry).")
    parser.add_argument("--force", action="store_true", help="fetch again even when present")
    parser.add_argument("--dir", type=Path, default=VENDOR_DIR, help=f"where to put them (default {VENDOR_DIR})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        fetch(args.dir, force=args.force)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        print(f"could not fetch the Data Docs front-end files: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
