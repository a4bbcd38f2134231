"""Analyses of results and scenarios: what an analyst asks of a batch once it has run.

    points       which design point answers a question (the likeliest, the nearest to values)
    sensitivity  Sobol indices or Morris effects (SALib)
    discovery    the box of conditions where partnership is likely (PRIM, EMA Workbench)
    landscape    stable coalitions by landscape theory (Axelrod & Bennett)
    compare      two or more results folders side by side: what changed
    ema          the model as an EMA Workbench model

Decisions under deep uncertainty (`alliance-sim decide`), running apart from analysing:

    decision         levers as policies, the states of the world, each policy's objectives in each
    search           NSGA-II over the levers (pymoo), every generation kept for resuming
    robustness       the efficient set, regret, satisficing, failure boxes, dependence on the priors
    voi              value of information: which uncertain value would change the best policy
    robust_decision  all of it, end to end, into a folder
"""
