"""The explorers in a real JupyterLab, driven in the system Chromium.

JupyterLab is started from the project's virtual environment on 127.0.0.1
with a token, in a temporary directory holding a copy of
``tests/notebooks/explorers.ipynb``; Chromium (Playwright, a fresh profile,
every request to another host aborted) opens the notebook, runs all cells,
moves sliders with the keyboard and reads the counts the explorers display,
which must equal those computed here with :mod:`sepconv.counting`.

The server (and its kernels) is always shut down in the fixture's teardown.
Without ``/usr/bin/chromium`` the test is skipped, or fails when
``SEPCONV_REQUIRE_BROWSER=1`` (as in CI).

Set ``SEPCONV_SHOTS_DIR`` to a folder to also save a screenshot of each
explorer there.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, require_or_skip

from sepconv import counting

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "notebooks" / "explorers.ipynb"
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


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server in a temporary directory; always shut down."""
    if not CHROMIUM.is_file():
        require_or_skip(f"no Chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require_or_skip("playwright is not installed")
    jupyter = Path(sys.executable).with_name("jupyter")
    root = tmp_path_factory.mktemp("lab")
    work = root / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
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


@pytest.fixture(scope="module")
def page(jupyterlab, playwright):
    """The notebook, opened and run in a fresh Chromium profile."""
    root = jupyterlab["root"]
    context = playwright.chromium.launch_persistent_context(
        str(root / "chromium-profile"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 1000},
    )
    foreign = []

    def only_local(route):
        url = route.request.url
        if url.startswith(jupyterlab["base"]) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    context.route("**/*", only_local)
    try:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT)
        tab.goto(
            f"{jupyterlab['base']}/lab/tree/{NOTEBOOK.name}"
            f"?token={jupyterlab['token']}&reset"
        )
        tab.locator(".jp-Notebook").wait_for()
        # the kernel is connected once the status bar says so
        tab.wait_for_function(
            "() => document.body.innerText.includes('(ipykernel) | Idle')"
        )
        tab.wait_for_timeout(1_000)
        try:
            run_all(tab, timeout=TIMEOUT)
        except Exception:
            tab.screenshot(path=str(root / "failure.png"))
            raise
        yield tab
        save_screenshots(tab)
    finally:
        context.close()
    assert foreign == [], f"requests to other hosts: {foreign[:5]}"


def run_all(tab, *, timeout):
    """Run > Run All Cells, then wait until the four explorers show numbers."""
    select = tab.locator(".jp-Dialog").get_by_role("button", name="Select")
    if select.count():  # a kernel dialog: the preferred kernel is the right one
        select.click()
    tab.get_by_role("menuitem", name="Run", exact=True).click()
    tab.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # cells out of view may be virtualised: count in the DOM, not visibility
    tab.wait_for_function(
        """() => [...document.querySelectorAll('.sepconv-readout')]
            .filter(r => r.querySelector('td[data-name]')).length === 4""",
        timeout=timeout,
    )


def displayed(page, explorer, name):
    """The number the reader sees in an explorer's readout."""
    cell = (
        page.locator(".sepconv-readout")
        .nth(explorer)
        .locator(f"td[data-name='{name}']")
    )
    return cell.inner_text()


def press(page, explorer, slider, key, times=1):
    """Focus a slider's handle (by its description) and press ``key``.

    Each press is checked on the slider's own readout; a press lost to a
    focus race is repeated once.
    """
    box = page.locator(".sepconv-explorer").nth(explorer)
    widget = box.locator(".widget-slider").filter(has_text=slider).first
    handle = widget.locator(".noUi-handle")
    readout = widget.locator(".widget-readout")
    step = 1 if key == "ArrowRight" else -1
    for _ in range(times):
        target = str(int(readout.inner_text()) + step)
        for _attempt in range(2):
            handle.focus()
            handle.press(key)
            try:
                page.wait_for_function(
                    "([el, v]) => el.textContent.trim() === v",
                    arg=[readout.element_handle(), target],
                    timeout=10_000,
                )
                break
            except Exception:
                continue
        else:
            raise AssertionError(f"slider {slider!r} did not move to {target}")


def wait_for_text(page, explorer, name, expected):
    try:
        page.wait_for_function(
            """([k, name, expected]) => {
                const cell = document.querySelectorAll('.sepconv-readout')[k]
                    ?.querySelector(`td[data-name='${name}']`);
                return cell && cell.textContent.trim() === expected;
            }""",
            arg=[explorer, name, expected],
            timeout=30_000,
        )
    except Exception:
        shown = page.locator(".sepconv-readout").nth(explorer).inner_text()
        sliders = page.locator(".sepconv-explorer").nth(explorer).inner_text()
        raise AssertionError(
            f"{name} never showed {expected!r}; readout:\n{shown}\ncontrols:\n{sliders}"
        ) from None


def test_scan_explorer_position_slider(page):
    windows = counting.scan_positions((5, 5), 3)
    assert displayed(page, 0, "so_far") == f"{len(windows[0].taps):,}"
    before = (
        page.locator(".sepconv-explorer").nth(0).locator("img").get_attribute("src")
    )
    press(page, 0, "position", "ArrowRight", times=3)
    expected = sum(len(w.taps) for w in windows[:4])
    wait_for_text(page, 0, "so_far", f"{expected:,}")
    after = page.locator(".sepconv-explorer").nth(0).locator("img").get_attribute("src")
    assert after != before  # the picture was redrawn too


def test_scan_explorer_image_size_slider(page):
    press(page, 0, "image", "ArrowRight")
    cost = counting.correlate2d_cost((6, 6), 3)
    wait_for_text(page, 0, "multiplications", f"{cost.multiplications:,}")
    assert displayed(page, 0, "output_shape") == "4×4"


def test_spatial_cost_explorer_n_slider(page):
    assert displayed(page, 1, "full") == f"{counting.spatial_full_cost(32, 3):,}"
    press(page, 1, "N (image)", "ArrowRight", times=2)
    wait_for_text(page, 1, "full", f"{counting.spatial_full_cost(34, 3):,}")
    assert (
        displayed(page, 1, "separable") == f"{counting.spatial_separable_cost(34, 3):,}"
    )


def test_depthwise_cost_explorer_filters_slider(page):
    press(page, 2, "Nc", "ArrowLeft")
    cost = counting.depthwise_separable_conv2d_cost((3, 7, 7), 127, 3)
    wait_for_text(page, 2, "separable", f"{cost.multiplications:,}")


def save_screenshots(tab):
    """With SEPCONV_SHOTS_DIR set, save a picture of each explorer and player."""
    shots = os.environ.get("SEPCONV_SHOTS_DIR")
    if not shots:
        return
    folder = Path(shots)
    folder.mkdir(parents=True, exist_ok=True)
    names = ["scan", "spatial_cost", "depthwise_cost", "low_rank"]
    for k, name in enumerate(names):
        box = tab.locator(".sepconv-explorer").nth(k)
        box.scroll_into_view_if_needed()
        box.screenshot(path=str(folder / f"jupyterlab_{name}_explorer.png"))
    players = tab.locator(".sepconv-player")
    for k in range(players.count()):
        players.nth(k).scroll_into_view_if_needed()
        players.nth(k).screenshot(path=str(folder / f"jupyterlab_player_{k}.png"))


def test_players_below_the_fold_show_and_step_on_their_own(page):
    """Two players of one animation, run off-screen: each shows its first
    frame when scrolled to, without a click, and steps alone."""
    page.evaluate(
        """() => { for (const panel of document.querySelectorAll(
            '.jp-NotebookPanel .jp-WindowedPanel-outer')) panel.scrollTop = 1e9; }"""
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.sepconv-player').length === 2"
    )
    players = page.locator(".sepconv-player")
    for k in range(2):
        player = players.nth(k)
        player.scroll_into_view_if_needed()
        page.wait_for_function(
            "el => el.querySelector('img').complete"
            " && el.querySelector('img').naturalWidth > 0",
            arg=player.element_handle(),
        )
        assert player.locator(".sepconv-player-controls").is_visible()
        assert not player.locator(".sepconv-player-note").is_visible()
        assert player.locator("output").inner_text() == "1 / 9"
    second = players.nth(1)
    second.locator("button[data-action='next']").click()
    assert second.locator("output").inner_text() == "2 / 9"
    assert players.nth(0).locator("output").inner_text() == "1 / 9"
