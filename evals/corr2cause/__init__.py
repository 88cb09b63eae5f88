"""The corr2cause suite: seeded generator (original and perturbed wording) and the CSV loader."""
