"""Contact-volume forecasting: holidays, traffic, models, back-tests and the intraday split."""
