"""The core: the theory and what runs it, with no I/O and no Mesa.

    compiled   the compiler the theory runs through (numba; plain Python without it)
    dynamics   the mechanisms, one pair at a time, and the compiled loop over runs and quarters
    stepping   the theory on whole arrays: a quarter's step, a shift, the terms of an update
    rest       the enduring interests and potential at which a picture stays still
    schedule   a scenario as arrays (the one route: `Variation`): initial state, parameters over time
    posterior  a calibration's weighted parameter sets, and the schedules of runs that draw them
    resolve    what a run runs: a scenario with a user's changes and a posterior, decided once
    engine     many runs at once, each with its own seeded noise
    outcomes   partnership (defined once, here) and the summaries of many runs
"""
