"""The critique: checks that try to break an effect answer, and the verdict over them.

refuters (refit the estimator on altered data), assumptions (overlap, sensitivity, decisive
questions), graph (falsification judged by what the adjustment set needs), suite (run them all
concurrently), verdict (the rules, the claim, the best-supported answer).
"""
