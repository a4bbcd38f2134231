"""Evidence: what the model is held to.

    data     the observed series under data/, each row with its source
    observe  the observation model: model variables mapped to each observed series, and scores
    history  the 2005-2024 history run, fitted up to 2018 and scored on 2019-2024
"""
