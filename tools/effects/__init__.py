"""Effect steps: identification (which adjustment), estimation, heterogeneity."""
