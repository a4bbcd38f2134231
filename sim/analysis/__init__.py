"""Analyses of results and scenarios: what an analyst asks of a batch once it has run.

    points       which design point answers a question (the likeliest, the nearest to values)
    sensitivity  Sobol indices or Morris effects (SALib)
    discovery    the box of conditions where partnership is likely (PRIM, EMA Workbench)
    landscape    stable coalitions by landscape theory (Axelrod & Bennett)
    compare      two or more results folders side by side: what changed
    ema          the model as an EMA Workbench model
"""
