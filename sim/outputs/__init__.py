"""Outputs: results folders (written atomically, read back), tidy tables and figures.

    results   a folder per run or batch: scenario, manifest, Parquet tables
    tables    runs as long tables, and long tables back as bands, shares and grids
    figures   one module per figure
"""
