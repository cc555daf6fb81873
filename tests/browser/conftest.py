"""Headless Debian Chromium for dash[testing]'s dash_duo fixture."""

from __future__ import annotations

import os

os.environ.setdefault("DASH_TESTING_CHROMEDRIVER", "/usr/bin/chromedriver")


def pytest_setup_options():
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--window-size=1440,1000", "--lang=pt-BR"):
        options.add_argument(arg)
    return options
