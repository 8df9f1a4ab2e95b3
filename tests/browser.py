"""A real headless Chromium for the tests that open pages: Debian's ``chromium`` (make install
adds it where it can), driven by Playwright. ``page()`` skips the test with one line when no
browser is installed."""
from __future__ import annotations

import contextlib
import os
import shutil
from typing import Iterator

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
LOOPBACK = ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")


def executable() -> str | None:
    """$SUMCHAIN_CHROMIUM, or the first Chromium on PATH."""
    return os.environ.get("SUMCHAIN_CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)


@contextlib.contextmanager
def page(offline: bool = True, loopback: bool = False) -> Iterator:
    """A fresh page; ``offline`` fails the test on any request that leaves file:// (a page that
    must work offline), or with ``loopback`` that leaves file:// and http:// on this machine (a
    page a local server serves)."""
    binary = executable()
    if binary is None:
        pytest.skip("no Chromium: `make install` adds Debian's chromium as root (or apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=binary, headless=True)
        try:
            context = browser.new_context()
            leaks: list[str] = []
            allowed = ("file:", "data:", "about:") + (LOOPBACK if loopback else ())
            if offline:
                context.route(lambda url: not url.startswith(allowed),
                              lambda route: (leaks.append(route.request.url), route.abort()))
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            yield tab
            assert not leaks, f"the page asked the network for {leaks}"
            assert not errors, f"the page's scripts failed: {errors}"
        finally:
            browser.close()
