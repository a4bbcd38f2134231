"""Progress of long work: a bar on a terminal, plain lines in logs, nothing when quiet."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm


class Progress:
    """Counts runs done; shows runs per second and time left."""

    def __init__(self, total: int, quiet: bool = False, stream=None, every_s: float = 10.0, chunks: int | None = None):
        self.total, self.quiet, self.every_s, self.chunks = total, quiet, every_s, chunks
        self.chunks_done = 0
        self.stream = stream or sys.stderr
        self.bar = None

    def start(self, done: int = 0) -> None:
        self.done, self.first = done, done
        self.t0 = self.last = time.perf_counter()
        if self.quiet:
            return
        if done:
            print(f"resuming: {done:,} of {self.total:,} runs already done", file=self.stream, flush=True)
        if self.stream.isatty():
            self.bar = tqdm(total=self.total, initial=done, unit="run", unit_scale=True, file=self.stream,
                            dynamic_ncols=True, smoothing=0.1)

    def advance(self, runs: int) -> None:
        """A chunk of `runs` runs is done."""
        self.done += runs
        self.chunks_done += 1
        if self.bar is not None:
            self.bar.update(runs)
        elif not self.quiet and (time.perf_counter() - self.last >= self.every_s or self.done == self.total):
            self.last = time.perf_counter()
            print(self.line(), file=self.stream, flush=True)

    def line(self) -> str:
        elapsed = time.perf_counter() - self.t0
        rate = (self.done - self.first) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        chunks = f", {self.chunks_done}/{self.chunks} chunks this session" if self.chunks else ""
        return (f"{self.done:,}/{self.total:,} runs ({self.done / self.total:.0%}){chunks}, {rate:,.0f} runs/s, "
                f"{left:,.0f} s left")

    def say(self, message: str) -> None:
        """A step of the work that is not counted in runs."""
        if not self.quiet:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
