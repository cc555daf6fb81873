"""The dashboards as a person gets them: the production server in a subprocess, headless Chromium.

Used by `harness bench` (browser section), by `harness docs screenshots` and by the browser tests.

- `servidor()`: `harness dashboards` (waitress, compressed static files) on a free local port, in a
  subprocess with this process's environment (so it reads the same warehouse); stopped on exit.
- `navegador()`: Debian's Chromium through Selenium, headless, with the flags that work on the
  target machine; a script injected into every document records when the page last changed
  (DOM mutations, Dash callback requests ending, Plotly finishing a plot).
- `medir_primeira_visita()` / `medir_troca_de_filtro()`: milliseconds until the page is rendered
  (every chart drawn, no callback in flight, nothing loading) and the bytes transferred.

"Rendered" is the time of the last change to the page, read once the page has been quiet for
QUIETO_MS (the quiet wait itself is not counted): what a person sees as the moment the page stops
moving. Times come from the page's own clock (performance.now(), from the navigation's start).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("HARNESS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HARNESS_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=pt-BR")
QUIETO_MS = 400
PRAZO_S = 30.0

# injected before any page script: marks the time of every change the user could see
_SONDA = r"""
(function () {
  if (window.__painel) { return; }
  const p = window.__painel = {ultimo: 0, pendentes: 0, pedidos: 0};
  const marca = () => { p.ultimo = performance.now(); };
  const f = window.fetch;
  window.fetch = function () {
    p.pendentes += 1; p.pedidos += 1; marca();
    return f.apply(this, arguments).then(
      (r) => r.clone().text().then(() => r, () => r),
      (e) => { throw e; }).finally(() => { p.pendentes -= 1; marca(); });
  };
  new MutationObserver(marca).observe(document, {subtree: true, childList: true, attributes: true,
                                                characterData: true});
  document.addEventListener("plotly_afterplot", marca, true);
})();
"""

# the page is ready when every chart is drawn, no callback is in flight and Dash loads nothing
_PRONTO = r"""
const p = window.__painel;
if (!p || document.readyState !== "complete") { return null; }
const graficos = document.querySelectorAll(".dash-graph");
const desenhados = document.querySelectorAll(".dash-graph .main-svg").length > 0
  ? [...graficos].every((g) => g.querySelector(".main-svg")) : graficos.length === 0;
const carregando = document.querySelector('[data-dash-is-loading="true"]');
const conteudo = document.querySelector("#_pages_content");
const pronto = desenhados && !carregando && p.pendentes === 0 && p.pedidos > 0 && conteudo
  && conteudo.children.length > 0;
return {pronto: pronto, ultimo: p.ultimo, agora: performance.now(), pedidos: p.pedidos};
"""

_BYTES = r"""
const e = performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"));
return {bytes: e.reduce((s, x) => s + (x.transferSize || 0), 0),
        corpo: e.reduce((s, x) => s + (x.decodedBodySize || 0), 0), arquivos: e.length};
"""


def porta_livre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _harness() -> list[str]:
    exe = Path(sys.executable).with_name("harness")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "harness.cli"]


@contextlib.contextmanager
def servidor(threads: int = 8, debug: bool = False, log: Path | None = None):
    """`harness dashboards` on a free port; yields its base URL. The environment is this process's."""
    porta = porta_livre()
    cmd = [*_harness(), "dashboards", "--port", str(porta), "--threads", str(threads)]
    if debug:
        cmd.append("--debug")
    saida = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, stdout=saida, stderr=subprocess.STDOUT, env=dict(os.environ))
    url = f"http://127.0.0.1:{porta}"
    try:
        limite = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"harness dashboards exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_dash-layout", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > limite:
                raise RuntimeError("harness dashboards did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if log:
            saida.close()


def navegador(largura: int = 1440, altura: int = 900):
    """A headless Chromium (Selenium) with the page probe injected into every document."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        raise RuntimeError(f"Chromium and its driver are needed ({CHROMIUM}, {CHROMEDRIVER}): "
                           "apt-get install chromium chromium-driver")
    opcoes = webdriver.ChromeOptions()
    opcoes.binary_location = CHROMIUM
    for flag in FLAGS:
        opcoes.add_argument(flag)
    opcoes.add_argument(f"--window-size={largura},{altura}")
    opcoes.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opcoes)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _SONDA})
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


def celular(driver) -> None:
    """Emulate a 390 x 844 phone screen (device metrics, not just a smaller window)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})


def esperar_pronta(driver, prazo_s: float = PRAZO_S) -> dict:
    """Wait until the page is rendered and has been quiet for QUIETO_MS; its state (ms from navigation)."""
    limite = time.monotonic() + prazo_s
    while True:
        estado = driver.execute_script(_PRONTO)
        if estado and estado["pronto"] and estado["agora"] - estado["ultimo"] >= QUIETO_MS:
            return estado
        if time.monotonic() > limite:
            raise TimeoutError(f"the page did not settle within {prazo_s:.0f} s: {estado}")
        time.sleep(0.05)


def medir_primeira_visita(driver, url: str) -> dict:
    """A first visit (empty browser cache): ms until rendered, bytes and files transferred."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    estado = esperar_pronta(driver)
    return {"ms": round(estado["ultimo"], 1), **driver.execute_script(_BYTES)}


def medir_troca_de_filtro(driver, search: str) -> dict:
    """On a rendered page, change the URL's filters as the filter bar does (history + popstate, which
    dcc.Location follows): ms from the change until rendered again."""
    inicio = driver.execute_script(
        "const t = performance.now(); window.__painel.pedidos = 0;"
        "window.history.pushState({}, '', arguments[0]);"
        "window.dispatchEvent(new PopStateEvent('popstate', {state: {}})); return t;", search)
    estado = esperar_pronta(driver)
    return {"ms": round(estado["ultimo"] - inicio, 1), "pedidos": estado["pedidos"]}


def erros_console(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
