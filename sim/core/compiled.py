"""The compiler the dynamics run through: numba, or plain Python where it is missing.

The theory is written once, as small functions over one run's (actor, actor) arrays, and
numba compiles them to machine code, fused into one loop over runs and quarters; the
compiled code is cached on disk, so a process pays the compile cost once per machine.
Where numba is missing, or `ALLIANCE_SIM_UNCOMPILED=1` is set (to check or debug the
theory), the very same functions run as plain Python: the same numbers, far slower.
"""

from __future__ import annotations

import os
import sys

UNCOMPILED_VARIABLE = "ALLIANCE_SIM_UNCOMPILED"

try:
    if os.environ.get(UNCOMPILED_VARIABLE, "") not in ("", "0"):
        raise ImportError(f"{UNCOMPILED_VARIABLE} is set")
    import numba
    import numba.extending
except ImportError as error:  # a platform without numba wheels, or asked for
    numba, REASON = None, str(error)
else:
    REASON = ""

_warned = False


class CompileError(RuntimeError):
    """The compiler failed on this platform."""


def kernel(fn):
    """Compile `fn` (a function of arrays and numbers) to machine code, cached on disk. It runs
    without the interpreter's lock, so that another thread can work meanwhile (a batch records
    one chunk while it simulates the next). Numba's cache does not notice a change of these
    options: a module whose kernels change them must change too, or remove its cache files."""
    return numba.njit(cache=True, error_model="numpy", nogil=True)(fn) if numba else fn


def part(fn):
    """A function of the kernels: compiled into each kernel that calls it; plain Python when
    called from Python."""
    return numba.njit(inline="always")(fn) if numba else fn


def call(fn, *args):
    """Run a kernel; say clearly, once, if it runs uncompiled, and if the compiler fails."""
    global _warned
    if numba is None and not _warned:
        _warned = True
        print(f"alliance-sim: the dynamics run uncompiled, far slower ({REASON}); "
              "install numba (pip install numba) for the compiled engine", file=sys.stderr)
    try:
        return fn(*args)
    except Exception as error:
        if numba is not None and isinstance(error, numba.core.errors.NumbaError):
            raise CompileError(f"the compiled engine failed on this platform ({type(error).__name__}: "
                               f"{str(error).splitlines()[0]}); set {UNCOMPILED_VARIABLE}=1 to run it "
                               "uncompiled (the same numbers, far slower)") from error
        raise
