"""Evidence: what the model is held to, and how far it can be trusted.

    data         the observed series under data/, each row with its source
    observe      the observation model: model variables mapped to each observed series, and scores
    history      the 2005-2024 history run, against the data, fitted and held out
    smc          ABC sequential Monte Carlo: the sampler, apart from the model
    calibration  the history fitted by ABC-SMC: priors, distance, generations kept on disk
    sbc          simulation-based calibration: does the sampler recover known values?
    selection    choosing between models on in-sample evidence, then scoring each out of sample
    assimilate   the state at an origin filtered from the observations (a bootstrap particle filter)
    forecast     forecasts from past origins with only what was known then, scored against benchmarks
    register     forecasts issued before the data exist, and scored once they do
"""
