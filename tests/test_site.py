"""The documentation site builds with `mkdocs build --strict` (as `make docs` does): every page in
the navigation, no broken link or anchor, the API reference drawn from the docstrings."""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

PUBLIC = ["sim.scenario.load_scenario", "sim.scenario.Scenario", "sim.scenario.ScenarioError",
          "sim.outputs.results.load_results", "sim.outputs.results.Results", "sim.abm.model.AllianceModel",
          "sim.ema.workbench_model"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "WARNING" not in build.stderr, build.stderr
    return out


def test_the_site_builds_strictly_with_every_page(site):
    pages = {p.relative_to(ROOT / "docs").with_suffix("").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    for page in pages | {"tutorial"}:
        assert (site / f"{page}.html").is_file(), page
    assert (site / "index.html").is_file()
    assert (site / "figures" / "headline_2018.png").is_file() and (site / "figures" / "headline_2025.png").is_file()


def test_the_api_reference_has_every_public_name_with_its_docstring(site):
    api = (site / "api.html").read_text()
    for name in PUBLIC:
        assert f'id="{name}"' in api, name
        entry = re.split(r"<h\d ", api.split(f'id="{name}"', 1)[1], maxsplit=1)[0]  # to the next heading
        assert "<p>" in entry, f"{name}: no docstring rendered"


def test_the_tutorial_page_is_the_script_and_links_lead_to_it(site):
    page = (site / "tutorial.html").read_text()
    assert "sim.load_scenario" in page and "Tutorial: from a scenario to a comparison" in page
    assert (site / "tutorial.py").read_text() == (ROOT / "docs" / "tutorial.py").read_text()
    home = (site / "index.html").read_text()
    assert 'href="tutorial.html"' in home and not re.search(r'href="[^"]*tutorial\.py"', home)


def test_the_built_site_navigates_from_disk(site):
    """Opened as files (no server), every link between pages names a file that is there."""
    from urllib.parse import unquote, urlsplit

    for page in site.rglob("*.html"):
        if page.name == "404.html":  # a server's page for a missing one, with links from the site's root
            continue
        for href in re.findall(r'href="([^"#?]+)', page.read_text()):
            if urlsplit(href).scheme or href.startswith(("//", "mailto:")):
                continue
            target = (page.parent / unquote(href)).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to {href}, which is not a file"
