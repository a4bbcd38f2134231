"""The interactive page in a real browser: sliders, stepping, the chart and the date."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT, SCENARIOS

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["baseline_2018", "with_pyongyang"])
def server(request):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sim", "app", str(SCENARIOS / f"{request.param}.yaml"),
                             "--port", str(port), "--no-open"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the page did not come up: {proc.communicate()[0][-2000:]}")
    yield url, request.param
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


def status(page) -> str:
    return page.locator("h3").first.inner_text()


def chart(page) -> str:
    return page.locator("img").first.get_attribute("src")


def test_sliders_and_stepping_update_the_page(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, scenario = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        step = page.get_by_role("button", name="Step")
        step.wait_for(timeout=60_000)
        assert "2018Q3" in status(page)
        assert page.title() == f"alliance-sim — {scenario}"
        assert "sanctions 0.60" in page.inner_text("body")

        # move the sanctions slider to its left end, then reset so that the model takes it
        slider = page.locator(".v-input", has_text="Washington's sanctions on Moscow").locator(".v-slider")
        box = slider.bounding_box()
        page.mouse.click(box["x"] + 1, box["y"] + box["height"] / 2)
        page.get_by_role("button", name="Reset").click()
        page.wait_for_function("() => document.body.innerText.includes('sanctions 0.0')", timeout=30_000)

        before = chart(page)
        for _ in range(6):
            step.click()
            page.wait_for_timeout(250)
        page.wait_for_function("() => document.querySelector('h3').innerText.includes('2020Q1')", timeout=30_000)
        page.wait_for_timeout(1000)
        assert chart(page) != before, "the stance chart should redraw as the model steps"
        if scenario == "with_pyongyang":
            assert "Pyongyang's autonomy from Beijing" in page.inner_text("body")
        text = page.inner_text("body")
        assert not re.search(r"Traceback|Error:|Exception", text), text[:2000]
        assert not errors, errors
        page.screenshot(path=str(tmp_path / f"app_{scenario}.png"))
        browser.close()
