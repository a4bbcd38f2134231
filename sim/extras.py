"""Optional dependencies: import them, or say which extra to install."""

from __future__ import annotations

import importlib
import warnings


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require(module: str, extra: str, purpose: str):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. the EMA Workbench's notice about optional ipyparallel
            return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{purpose} needs {module.split('.')[0]}, which is not installed; "
                           f"install the {extra!r} extra: pip install 'alliance-sim[{extra}]'") from None
