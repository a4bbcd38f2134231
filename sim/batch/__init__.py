"""Batches: many seeded runs of a scenario, in chunks, on this machine or a Dask cluster.

    designs     which points of the factor space a sweep runs (one module per design)
    plan        a design x replicates, and how one chunk of it is computed
    store       chunks on disk: atomic parts, a staging folder, resuming, the summary
    run         every missing chunk, on the chosen executor
    local       this process or a pool of worker processes
    cluster     a Dask cluster
    replicates  a plain scenario's replicates (no sweep), on either engine
    progress    a bar, plain lines, or nothing
"""
