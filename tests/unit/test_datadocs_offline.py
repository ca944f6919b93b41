"""GX Data Docs made offline: CDN tags pointed at the vendored copies, or removed without them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reform_etl.dq_report import datadocs, vendor

PAGE = """<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" integrity="sha384-x" crossorigin="anonymous"></script>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
</head><body><img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo.png">
<a href="https://docs.greatexpectations.io/">docs</a></body></html>"""
FETCHES = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


def _vendored(root: Path) -> dict[str, Path]:
    for package in vendor.PACKAGES:
        for inner in package.files.values():
            path = root / package.folder / inner
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("/* stand-in */", encoding="utf-8")
    files = vendor.local_files(root)
    assert files is not None
    return files


def test_cdn_tags_point_at_the_local_copies_relative_to_each_page(tmp_path):
    source, site = tmp_path / "vendor-src", tmp_path / "gx"
    files = _vendored(source)
    deep = site / "validations" / "dossiers" / "file-1" / "run" / "file_1.html"
    deep.parent.mkdir(parents=True)
    deep.write_text(PAGE, encoding="utf-8")

    datadocs._serve_locally(site, files, source)
    datadocs._make_offline(site, with_local_style=False)

    text = deep.read_text(encoding="utf-8")
    assert 'href="../../../../vendor/bootstrap/dist/css/bootstrap.min.css"' in text
    assert 'src="../../../../vendor/jquery/dist/jquery.min.js"' in text
    assert 'src="../../../../vendor/vega/build/vega.min.js"' in text
    assert "integrity=" not in text and "crossorigin=" not in text  # SRI cannot work from file://
    assert not FETCHES.search(text) and "<img" not in text and "<style>" not in text
    assert (site / "vendor" / "jquery" / "dist" / "jquery.min.js").is_file()


def test_without_the_vendored_files_the_tags_are_removed_and_a_local_style_added(tmp_path):
    assert vendor.local_files(tmp_path / "nothing") is None
    page = tmp_path / "gx" / "index.html"
    page.parent.mkdir()
    page.write_text(PAGE, encoding="utf-8")

    datadocs._make_offline(tmp_path / "gx", with_local_style=True)

    text = page.read_text(encoding="utf-8")
    assert not FETCHES.search(text) and "<script" not in text and "<style>" in text


def test_a_tarball_that_does_not_match_its_pinned_digest_is_not_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(vendor, "_download", lambda package, work: b"not the real tarball")
    with pytest.raises(ValueError, match="SHA-256"):
        vendor.fetch(tmp_path, force=True)
    assert not any(tmp_path.iterdir())
