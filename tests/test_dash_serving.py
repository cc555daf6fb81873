"""`harness dashboards` serves with waitress (not Flask's development server): static files compressed and
cached for a year under fingerprinted URLs, the page and callbacks never cached, Plotly's basic bundle
of the same version in place of the full one."""

from __future__ import annotations

import re
import urllib.request

import pytest

pytest.importorskip("dash")

from bench import browser  # noqa: E402


def _get(url: str, encoding: str = "br, gzip"):
    req = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, dict(r.headers), r.read()


@pytest.fixture(scope="module")
def servidor():
    with browser.servidor(threads=2) as url:
        yield url


def test_production_server_compresses_and_caches_static_files(servidor):
    status, cab, corpo = _get(f"{servidor}/", "identity")
    assert status == 200 and cab["Server"] == "waitress"           # not Werkzeug's development server
    assert "no-store" in cab["Cache-Control"]                      # the page itself is never cached
    pagina = corpo.decode()
    suites = re.findall(r'src="(/_dash-component-suites/[^"]+\.js)"', pagina)
    assert len(suites) >= 5
    for caminho in suites:
        status, cab, corpo = _get(f"{servidor}{caminho}")
        assert status == 200 and cab.get("Content-Encoding") in ("br", "gzip"), caminho
        assert "max-age=31536000" in cab["Cache-Control"] and "public" in cab["Cache-Control"], caminho
    ag = next(s for s in suites if "dash_ag_grid" in s)
    _, cab_br, br = _get(f"{servidor}{ag}", "br")
    _, cab_id, bruto = _get(f"{servidor}{ag}", "identity")
    assert cab_br["Content-Encoding"] == "br" and "Content-Encoding" not in cab_id
    assert len(br) < len(bruto) / 3                                # about a quarter of the bytes
    ativo = re.search(r'href="(/assets/style\.css\?m=[^"]+)"', pagina).group(1)
    _, cab, _ = _get(f"{servidor}{ativo}")
    assert "max-age=31536000" in cab["Cache-Control"] and "immutable" in cab["Cache-Control"]


def test_plotly_basic_bundle_of_the_same_version_is_served(servidor):
    from plotly.offline import get_plotlyjs_version

    status, cab, corpo = _get(f"{servidor}/_dash-component-suites/plotly/package_data/plotly.min.js", "identity")
    assert status == 200 and f"plotly.js (basic - minified) v{get_plotlyjs_version()}".encode() in corpo[:200]
    assert len(corpo) < 1_500_000                                   # the full bundle is 4.7 MB


def test_callbacks_are_never_cached(servidor):
    req = urllib.request.Request(f"{servidor}/_dash-layout", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert "no-store" in r.headers["Cache-Control"]
