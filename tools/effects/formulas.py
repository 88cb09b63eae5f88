"""The estimands as formulas and in words, for the report."""

from __future__ import annotations

# --------------------------------------------------------------------------- formulas and words


def backdoor_formula(treatment: str, outcome: str, adjustment: tuple[str, ...]) -> str:
    if not adjustment:
        return f"E[{outcome} | do({treatment}=t)] = E[{outcome} | {treatment}=t]"
    w = ", ".join(adjustment)
    return f"E[{outcome} | do({treatment}=t)] = E_W[ E[{outcome} | {treatment}=t, W] ], W = {{{w}}}"


def backdoor_words(treatment: str, outcome: str, adjustment: tuple[str, ...]) -> str:
    if not adjustment:
        return (
            f"the average {outcome} if everyone had {treatment} = t equals the average {outcome} "
            f"among units with {treatment} = t: nothing confounds them"
        )
    return (
        f"the average {outcome} if everyone had {treatment} = t equals the average, over the "
        f"distribution of {', '.join(adjustment)}, of the mean {outcome} among units with "
        f"{treatment} = t and the same values of {', '.join(adjustment)}"
    )


def frontdoor_formula(
    treatment: str, outcome: str, mediators: tuple[str, ...], first: tuple[str, ...]
) -> str:
    m = ", ".join(mediators)
    given = f"{treatment}=t" + (f", {', '.join(first)}" if first else "")
    return (
        f"E[{outcome} | do({treatment}=t)] = sum_m P({m}=m | {given}) "
        f"sum_t' P({treatment}=t') E[{outcome} | {m}=m, {treatment}=t']"
    )


def frontdoor_words(treatment: str, outcome: str, mediators: tuple[str, ...]) -> str:
    m = ", ".join(mediators)
    return (
        f"{treatment} acts on {outcome} only through {m}; the effect of {treatment} on {m} is "
        f"unconfounded and the effect of {m} on {outcome} is unconfounded once {treatment} is "
        f"held fixed, so the effect is the effect of {treatment} on {m} chained with the "
        f"effect of {m} on {outcome} (the front-door formula)"
    )


def iv_formula(treatment: str, outcome: str, instruments: tuple[str, ...]) -> str:
    z = ", ".join(instruments)
    return (
        f"effect = dE[{outcome} | {z}]/d{z} / dE[{treatment} | {z}]/d{z} "
        f"(Wald ratio; with a binary instrument: (E[{outcome}|{z}=1] - E[{outcome}|{z}=0]) / "
        f"(E[{treatment}|{z}=1] - E[{treatment}|{z}=0]))"
    )


def iv_words(treatment: str, outcome: str, instruments: tuple[str, ...]) -> str:
    z = ", ".join(instruments)
    return (
        f"{z} moves {treatment} and reaches {outcome} only through {treatment}, and nothing "
        f"confounds {z} with {outcome}; the change in {outcome} per unit change in {treatment} "
        f"induced by {z} is the effect (for compliers only, if the effect differs across units)"
    )
