"""Effect estimation: treatment coding, nuisance models, overlap, headline inference, CATE."""
