"""Outputs: results folders (written atomically, read back), tables, queries, exports and figures.

    results    a folder per run or batch: scenario, manifest, Parquet tables; atomic writers
    tables     runs as long tables, and long tables back as bands, shares and grids
    query      a results table as a DuckDB query, read only as far as asked
    export     flat tables for a spreadsheet (CSV, Parquet, Excel)
    posterior  a calibration folder's posterior, read and written, and its summaries
    figures    one module per figure
"""
