"""How the dashboards are served: compression, cache headers and the production WSGI server.

- Compression (flask-compress): brotli or gzip, whatever the browser accepts, for HTML, CSS,
  JavaScript and the callbacks' JSON. The static bundles (Dash's component suites, Plotly, the
  assets) are compressed once per process and kept in memory (they never change while it runs);
  callback answers are compressed each time and never kept.
- Cache headers: Dash fingerprints its component suites (max-age one year, set by Dash); the
  assets carry `?m=<mtime>` in their URL, so a changed file gets a new URL and they can be cached
  for a year as well. The page itself and the callbacks are never cached.
- Plotly: the pages draw bar and line charts only, so the request for Plotly's full bundle
  (plotly.min.js, 4.7 MB, loaded by dcc.Graph) is answered with plotly.js's basic bundle of the same
  version (bar, scatter, pie: 1.2 MB; dashboards/vendor/, MIT), a quarter of the JavaScript to
  download and parse on a first visit. A different version (plotly upgraded) is never substituted.
- The server: waitress (see `servir`).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from flask import Flask, Response, request
from flask_compress import Compress

log = logging.getLogger(__name__)
PLOTLY_BASICO = Path(__file__).resolve().parent / "vendor" / "plotly-basic.min.js"
_PLOTLY_URL = re.compile(r"^/_dash-component-suites/plotly/package_data/plotly(\.v[\w]+)?\.min\.js$")

ESTATICOS = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
UM_ANO = 31_536_000


class _CacheEstaticos:
    """flask-compress cache backend that keeps only the compressed static files (keys carry the path)."""

    def __init__(self) -> None:
        self._dados: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _estatico(chave: str) -> bool:
        caminho = chave.split(";", 1)[-1]
        return caminho.startswith(ESTATICOS)

    def get(self, chave: str) -> bytes | None:
        return self._dados.get(chave) if self._estatico(chave) else None

    def set(self, chave: str, valor: bytes) -> None:
        if self._estatico(chave):
            with self._lock:
                self._dados[chave] = valor


def configurar(server: Flask) -> None:
    """Compression and cache headers on the Flask server of the Dash app (idempotent)."""
    if server.config.get("PAINEL_CONFIGURADO"):
        return
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],       # every browser has one of them
        COMPRESS_BR_LEVEL=5, COMPRESS_LEVEL=6,
        COMPRESS_MIMETYPES=["text/html", "text/css", "text/javascript", "application/javascript",
                            "application/json", "image/svg+xml", "image/x-icon"],
        COMPRESS_CACHE_BACKEND=_CacheEstaticos,
        COMPRESS_CACHE_KEY=lambda req: req.full_path,
        COMPRESS_ALGORITHM_STREAMING=["br", "deflate"],  # Flask's static route (the assets) streams
        PAINEL_CONFIGURADO=True,
    )
    server.after_request(_cabecalhos_cache)  # registered before Compress: runs after it
    Compress(server)
    basico = _plotly_basico()
    if basico is not None:
        @server.before_request
        def _plotly_leve():
            if _PLOTLY_URL.match(request.path):
                resposta = Response(basico, mimetype="application/javascript")
                if request.path.count(".") > 2:  # fingerprinted by Dash: never changes under this URL
                    resposta.cache_control.max_age = UM_ANO
                return resposta
            return None


def _plotly_basico() -> bytes | None:
    """The vendored basic bundle when it is the version Dash would serve, else None (full bundle kept)."""
    try:
        from plotly.offline import get_plotlyjs_version

        dados = PLOTLY_BASICO.read_bytes()
    except (ImportError, OSError):
        return None
    versao = get_plotlyjs_version()
    if f"plotly.js (basic - minified) v{versao}\n".encode() not in dados[:200]:
        log.warning("dashboards/vendor/plotly-basic.min.js is not plotly.js %s: serving the full bundle", versao)
        return None
    return dados


def _cabecalhos_cache(response):
    caminho = request.path
    if caminho.startswith("/assets/") and request.args.get("m") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = UM_ANO
        response.cache_control.no_cache = None
        response.headers["Cache-Control"] += ", immutable"
    elif caminho.startswith("/_dash-component-suites/") and response.status_code == 200:
        response.cache_control.public = True  # Dash sets max-age on the fingerprinted ones
    elif not caminho.startswith(ESTATICOS):
        response.cache_control.no_store = True  # the page and the callbacks: always fresh data
    return response


def servir(server: Flask, host: str, port: int, threads: int) -> None:
    """Serve with waitress: a pure-Python multi-threaded WSGI server. Chosen over gunicorn because
    the target machine has 2 cores and the callbacks wait on PostgreSQL (psycopg releases the GIL):
    threads in one process share one connection pool and one result cache, where gunicorn's
    prefork workers would each hold their own (more connections, more memory, colder caches); and
    it runs the same on any OS."""
    from waitress import serve

    serve(server, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True,
          channel_timeout=60)
