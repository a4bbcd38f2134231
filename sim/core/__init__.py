"""The core: the theory and what runs it, with no I/O and no Mesa.

    dynamics  the mechanisms: pure functions over arrays with any leading run axes
    schedule  a scenario compiled to arrays: the initial state, the parameters over time
    engine    many runs at once along a leading axis, each with its own seeded shocks
    outcomes  partnership (defined once, here) and the summaries of many runs
"""
