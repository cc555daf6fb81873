"""How the dashboards are served: compression, cache headers and the production WSGI server.

- Compression (flask-compress): brotli or gzip, whatever the browser accepts, for HTML, CSS,
  JavaScript and the callbacks' JSON. The static bundles (Dash's component suites, Plotly, the
  assets) are compressed once per process and kept in memory (they never change while it runs);
  callback answers are compressed each time and never kept.
- Cache headers: Dash fingerprints its component suites (max-age one year, set by Dash); the
  assets carry `?m=<mtime>` in their URL, so a changed file gets a new URL and they can be cached
  for a year as well. The page itself and the callbacks are never cached.
- The server: waitress (see `servir`).
"""

from __future__ import annotations

import threading

from flask import Flask, request
from flask_compress import Compress

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
