"""The core: the theory and what runs it, with no I/O and no Mesa.

    compiled  the compiler the theory runs through (numba; plain Python without it)
    dynamics  the mechanisms, one pair at a time, and the compiled loop over runs and quarters
    schedule  a scenario compiled to arrays: the initial state, the parameters over time
    engine    many runs at once, each with its own seeded shocks
    outcomes  partnership (defined once, here) and the summaries of many runs
"""
