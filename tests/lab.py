"""A real JupyterLab for the browser tests, and how to drive it.

:func:`serve` starts JupyterLab from the project's virtual environment on
127.0.0.1 with a token, in a folder of its own with fresh configuration,
settings and runtime directories, and always shuts it down (kernels first).
:func:`browser` opens a fresh Chromium profile (Playwright, the system
Chromium) in which every request to another host is aborted and recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, require_or_skip

TIMEOUT = 120_000  # ms, for the first kernel start and widget rendering


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, token, path, method="GET"):
    request = urllib.request.Request(
        f"{base}{path}", method=method, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


@contextlib.contextmanager
def serve(root):
    """JupyterLab serving ``root / "work"``; yields base, token and root."""
    if not CHROMIUM.is_file():
        require_or_skip(f"no Chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require_or_skip("playwright is not installed")
    jupyter = Path(sys.executable).with_name("jupyter")
    work = root / "work"
    token = secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
        "IPYTHONDIR": str(root / "ipython"),
        "MPLCONFIGDIR": str(root / "mpl"),
        "PYTHONUNBUFFERED": "1",
    }
    settings = {
        "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
    }
    for name, values in settings.items():
        path = root / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(jupyter),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            "--allow-root",  # CI containers run as root
            f"--ServerApp.root_dir={work}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            # window.jupyterapp: the tests read the notebook's model (cells,
            # outputs, metadata) instead of guessing from the windowed DOM
            "--LabApp.expose_app_in_browser=True",
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(root / 'server.log').read_text()}")
            try:
                api(base, token, "/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start within 90 s")
                time.sleep(0.5)
        yield {"base": base, "token": token, "root": root}
    finally:
        try:
            for kernel in api(base, token, "/api/kernels") or []:
                api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
        except OSError:
            pass
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def browser(playwright, lab, *, viewport=(1280, 900)):
    """A fresh Chromium profile; fails if the page asked another host."""
    context = playwright.chromium.launch_persistent_context(
        str(lab["root"] / f"chromium-profile-{secrets.token_hex(4)}"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": viewport[0], "height": viewport[1]},
    )
    foreign = []

    def only_local(route):
        url = route.request.url
        if url.startswith(lab["base"]) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    context.route("**/*", only_local)
    try:
        yield context
    finally:
        context.close()
    assert foreign == [], f"requests to other hosts: {foreign[:5]}"


def open_notebook(tab, lab, name):
    """Open ``name`` in JupyterLab and wait until its kernel is idle."""
    tab.set_default_timeout(TIMEOUT)
    tab.goto(f"{lab['base']}/lab/tree/{name}?token={lab['token']}&reset")
    tab.locator(".jp-Notebook").wait_for()
    tab.wait_for_function(
        "() => document.body.innerText.includes('(ipykernel) | Idle')"
    )
    tab.wait_for_timeout(1_000)
    select = tab.locator(".jp-Dialog").get_by_role("button", name="Select")
    if select.count():  # a kernel dialog: the preferred kernel is the right one
        select.click()


def run_all(tab):
    """Run > Run All Cells."""
    tab.get_by_role("menuitem", name="Run", exact=True).click()
    tab.get_by_role("menuitem", name="Run All Cells", exact=True).click()
