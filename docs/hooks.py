"""The documentation site's build hook (mkdocs.yml, `hooks:`): the tutorial page.

The tutorial is a notebook stored as a Jupytext script, docs/tutorial.py. The site shows it as
a page made at build time: its markdown cells as prose, its code cells as code. It is not run
here (tests/test_tutorial.py runs it), so the site builds in seconds and shows no output that
could drift from the code. Links to `tutorial.py` in the other pages, which lead to the script
on the forge, lead to this page on the site.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
from mkdocs.structure.files import File

PAGE = "tutorial.md"
LINK = re.compile(r"\]\(((?:\.\./)*)tutorial\.py\)")


def tutorial_page(script: Path) -> str:
    notebook = jupytext.read(script)
    parts = []
    for cell in notebook.cells:
        source = cell.source.strip("\n")
        if cell.cell_type == "markdown":
            parts.append(source)
        elif cell.cell_type == "code" and source:
            parts.append(f"```python\n{source}\n```")
    title, _, rest = "\n\n".join(parts).partition("\n")
    note = ("*This page is the notebook `docs/tutorial.py` ([download the script](tutorial.py)), shown without "
            "its outputs: run it to see them.*")
    return f"{title}\n\n{note}\n{rest}\n"


def on_files(files, config):
    script = Path(config["docs_dir"]) / "tutorial.py"
    files.append(File.generated(config, PAGE, content=tutorial_page(script)))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == PAGE:
        return markdown
    return LINK.sub(lambda m: f"]({m.group(1)}{PAGE})", markdown)
