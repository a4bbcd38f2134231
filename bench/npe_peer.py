"""The amortised peer of bench/inference_speed.py: neural posterior estimation (sbi's NPE) trained
once on the prior predictive, then asked for the posterior of many datasets at no further cost.

Run by an interpreter that has `sbi` and `torch` (PyTorch's build for this machine's Python may
not be on the package registry in a CPU-only form; the project does not depend on either), with
numpy arrays in and out, so it needs nothing of the project:

    PYTHON_WITH_SBI bench/npe_peer.py IN.npz OUT.npz

IN holds `theta` (n, values) and `x` (n, features) for training, `low` and `high` (the flat
priors' bounds), `queries` (q, features: the datasets whose posteriors are asked for), `draws`
(how many from each), `seed` and `threads`. OUT holds `samples` (q, draws, values), the seconds
spent training and sampling, and the epochs trained. sbi's defaults throughout (a masked autoregressive flow; training stops
after 20 epochs without improvement on a held-out tenth).
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main(source: str, target: str) -> None:
    import torch
    from sbi.inference import NPE

    found = np.load(source)
    torch.manual_seed(int(found["seed"]))
    torch.set_num_threads(int(found["threads"]))
    low, high = found["low"], found["high"]
    t0 = time.perf_counter()
    # the flow is trained on the values mapped from the prior's box onto the real line (logit), and its
    # draws mapped back: a posterior that cannot leak outside the box, so no draw is rejected
    inference = NPE(show_progress_bars=False)
    inference.append_simulations(torch.as_tensor(logit((found["theta"] - low) / (high - low)), dtype=torch.float32),
                                 torch.as_tensor(found["x"], dtype=torch.float32)).train()
    epochs = len(inference.summary["training_loss"])
    posterior = inference.build_posterior()
    trained = time.perf_counter() - t0
    print(f"trained in {trained:.0f} s, {epochs} epochs", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    # every dataset's draws in one vectorised call (one call a dataset took more than 30 minutes for 1,001)
    u = posterior.sample_batched((int(found["draws"]),), x=torch.as_tensor(found["queries"], dtype=torch.float32),
                                 show_progress_bars=False).numpy()  # (draws, queries, values)
    samples = low + (high - low) / (1 + np.exp(-u.swapaxes(0, 1).astype(float)))
    np.savez(target, samples=samples, train_seconds=trained, sample_seconds=time.perf_counter() - t0, epochs=epochs)


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


if __name__ == "__main__":
    main(*sys.argv[1:3])
