"""Time series and panels: lagged causal discovery and effects over time.

The modules follow the steps of a series analysis: `prepare` (order, validate and split the rows by
unit), `lags` (the maximum lag from an information criterion), `select` (the discovery method from
facts measured on VAR residuals), `discovery` (tigramite PCMCI+ / LPCMCI, lingam VARLiNGAM),
`resample` (block resampling that keeps time order, for edge confidence), `effects` (the effect of
T at t on Y at t+h by lagged adjustment) and `checks` (the critique that applies to a series).
Heavy libraries are imported inside the functions that use them.
"""
