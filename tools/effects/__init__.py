"""Effect steps: identification (which adjustment set, decisive questions) and estimation
(treatment coding, nuisance models, overlap, headline inference, CATE)."""
