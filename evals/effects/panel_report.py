"""The panel's Markdown: per case (kind x tiers) and overall, for the agent and the baselines."""

from __future__ import annotations

import platform
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import numpy as np

BASELINES = {"ols_all": "OLS all", "ldml_all": "LinearDML all", "oracle": "oracle OLS"}
VERDICTS = ("robust", "fragile", "unreliable", None)
DEV_SEED_BASE = 0


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:.{digits}f}"


def _share(values: list[bool]) -> float | None:
    return float(np.mean(values)) if values else None


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.median(values)) if values else None


def _width(answer: dict[str, Any]) -> float | None:
    low, high = answer.get("ci_low"), answer.get("ci_high")
    return None if low is None or high is None else high - low


def _accuracy(answers: list[dict], truths: list[float]) -> dict[str, float | None]:
    """Bias, RMSE and interval coverage over the answers with an estimate."""
    pairs = [(a, t) for a, t in zip(answers, truths, strict=True) if a.get("estimate") is not None]
    if not pairs:
        return {"bias": None, "rmse": None, "coverage": None}
    errors = np.array([a["estimate"] - t for a, t in pairs])
    covered = [
        a.get("ci_low") is not None and a["ci_low"] <= t <= a["ci_high"]
        for a, t in pairs
        if a.get("ci_high") is not None
    ]
    return {
        "bias": float(errors.mean()),
        "rmse": float(np.sqrt((errors**2).mean())),
        "coverage": _share(covered),
    }


def _ratio(record: dict) -> float | None:
    agent, ldml = _width(record["agent"]), _width(record["baselines"].get("ldml_all", {}))
    return None if agent is None or not ldml else agent / ldml


def _verdicts(records: list[dict]) -> str:
    counts = Counter(r["agent"].get("verdict") or "none" for r in records)
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def case_rows(records: list[dict]) -> list[dict[str, Any]]:
    """One summary per (kind, tiers)."""
    groups: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    for r in records:
        if r.get("type") == "synthetic" and "error" not in r:
            groups[(r["kind"], r["tiers"])].append(r)
    rows = []
    for (kind, tiers), group in groups.items():
        truths = [r["truth"] for r in group]
        row: dict[str, Any] = {
            "kind": kind,
            "tiers": tiers,
            "reps": len(group),
            "decidable": group[0]["decidable"],
            "decidable_from": group[0]["decidable_from"],
            "agent": _accuracy([r["agent"] for r in group], truths),
            "headline_share": _share([r["agent"].get("estimate") is not None for r in group]),
            "correct": _share([r["score"]["correct"] for r in group]),
            "among": _share([r["score"]["truth_among_alternatives"] for r in group]),
            "robust_wrong": sum(r["score"]["robust_wrong"] for r in group),
            "width_ratio": _median([_ratio(r) for r in group]),
            "verdicts": _verdicts(group),
            "seconds": _median([r["seconds"] for r in group]),
            "cpu": _median([r.get("cpu_seconds") for r in group]),
            "baselines": {},
        }
        for name in BASELINES:
            answers = [r["baselines"][name] for r in group if name in r["baselines"]]
            if not answers:
                continue
            ldml = [_width(r["baselines"]["ldml_all"]) for r in group if name in r["baselines"]]
            row["baselines"][name] = _accuracy(answers, truths[: len(answers)]) | {
                "correct": _share([_right(a, t) for a, t in zip(answers, truths, strict=False)]),
                "width_ratio": _median(
                    [_width(a) / w for a, w in zip(answers, ldml, strict=True) if w]
                ),
                "seconds": _median([a["seconds"] for a in answers]),
            }
        rows.append(row)
    from evals.effects.panel_cases import KINDS

    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(rows, key=lambda row: (order.get(row["kind"], 99), row["tiers"]))


def _right(answer: dict, truth: float) -> bool:
    from evals.effects.panel_run import is_right

    return is_right(answer, truth)


def overall(records: list[dict]) -> dict[str, Any]:
    """P(correct | verdict), robust-on-wrong, median width ratio and seconds per analysis."""
    synth = [r for r in records if r.get("type") == "synthetic" and "error" not in r]
    by_verdict = {}
    for verdict in VERDICTS:
        group = [r["score"]["correct"] for r in synth if r["agent"].get("verdict") == verdict]
        by_verdict[verdict or "none"] = (_share(group), len(group))
    analyses = [r for r in records if "seconds" in r]
    return {
        "analyses": len(synth),
        "errors": sum("error" in r for r in records),
        "correct": _share([r["score"]["correct"] for r in synth]),
        "correct_decidable": _share([r["score"]["correct"] for r in synth if r["decidable"]]),
        "correct_undecidable": _share([r["score"]["correct"] for r in synth if not r["decidable"]]),
        "by_verdict": by_verdict,
        "robust_wrong": sum(r["score"]["robust_wrong"] for r in synth),
        "width_ratio": _median([_ratio(r) for r in synth]),
        "seconds": _median([r["seconds"] for r in analyses]),
        "seconds_synthetic": _median([r["seconds"] for r in synth]),
        "cpu": _median([r.get("cpu_seconds") for r in analyses]),
    }


def _case_table(rows: list[dict]) -> list[str]:
    lines = [
        "| case | tiers | decidable | reps | agent bias | RMSE | coverage | width / LDML | "
        "correct | headline | truth among answers | verdicts | robust & wrong | s (median) | "
        "CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        a = r["agent"]
        lines.append(
            f"| {r['kind']} | {'yes' if r['tiers'] else 'no'} | "
            f"{'yes' if r['decidable'] else 'no'} ({r['decidable_from']}) | {r['reps']} | "
            f"{_fmt(a['bias'])} | {_fmt(a['rmse'])} | {_fmt(a['coverage'], 2)} | "
            f"{_fmt(r['width_ratio'], 2)} | {_fmt(r['correct'], 2)} | "
            f"{_fmt(r['headline_share'], 2)} | {_fmt(r['among'], 2)} | {r['verdicts']} | "
            f"{r['robust_wrong']} | {_fmt(r['seconds'], 1)} | {_fmt(r['cpu'], 1)} |"
        )
    return lines


def _baseline_table(rows: list[dict]) -> list[str]:
    lines = [
        "| case | baseline | bias | RMSE | coverage | correct | width / LDML | s (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    seen: set[str] = set()
    for r in rows:
        if r["kind"] in seen:  # the baselines see the same tables in both variants
            continue
        seen.add(r["kind"])
        for name, b in r["baselines"].items():
            lines.append(
                f"| {r['kind']} | {BASELINES[name]} | {_fmt(b['bias'])} | {_fmt(b['rmse'])} | "
                f"{_fmt(b['coverage'], 2)} | {_fmt(b['correct'], 2)} | "
                f"{_fmt(b['width_ratio'], 2)} | {_fmt(b['seconds'], 2)} |"
            )
    return lines


def _real_tables(records: list[dict]) -> list[str]:
    ihdp = sorted((r for r in records if r.get("type") == "ihdp"), key=lambda r: r["rep"])
    lines: list[str] = []
    if ihdp:
        lines += [
            "### IHDP (NPCI setting B; the agent sees treatment, y_factual, x1..x25)",
            "",
            "| replication | true ATE | agent ATE | ATE error | ATT error | sqrt PEHE | "
            "cate rows (missing) | verdict | s (CPU s) | OLS all ATE error | LDML all ATE error |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in ihdp:
            a, t = r["agent"], r["truth"]
            ate_err = None if a.get("estimate") is None else a["estimate"] - t["ate"]
            att_err = None if a.get("att") is None else a["att"] - t["att"]
            lines.append(
                f"| {r['rep']} | {_fmt(t['ate'])} | {_fmt(a.get('estimate'))} | {_fmt(ate_err)} | "
                f"{_fmt(att_err)} | {_fmt(r.get('pehe'))} | {r.get('cate_rows')} "
                f"({r.get('missing_rows')}; {r.get('cate_note')}) | {a.get('verdict')} | "
                f"{_fmt(r['seconds'], 1)} ({_fmt(r.get('cpu_seconds'), 1)}) | "
                f"{_fmt(r['baselines']['ols_all']['estimate'] - t['ate'])} | "
                f"{_fmt(r['baselines']['ldml_all']['estimate'] - t['ate'])} |"
            )
        lines.append("")
    lalonde = [r for r in records if r.get("type") == "lalonde"]
    if lalonde:
        t = lalonde[0]["truth"]
        lines += [
            "### LaLonde NSW treated vs observational controls, time order declared",
            "",
            f"Experimental ATT {t['att']:,.0f} (95% interval {t['ci_low']:,.0f} to "
            f"{t['ci_high']:,.0f}).",
            "",
            "| controls | rows | agent ATT [95% CI] | inside | agent ATE | verdict | s (CPU s) | "
            "OLS all | LDML all |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in sorted(lalonde, key=lambda r: r["kind"]):
            a = r["agent"]
            att = (
                f"{a['att']:,.0f} [{a.get('att_ci_low') or float('nan'):,.0f}, "
                f"{a.get('att_ci_high') or float('nan'):,.0f}]"
                if a.get("att") is not None
                else f"none ({len(a.get('alternatives') or [])} possible effects: "
                + ", ".join(f"{x['estimate']:,.0f}" for x in a.get("alternatives") or [])
                + ")"
            )
            lines.append(
                f"| {r['kind']} | {r['n']:,} | {att} | {'yes' if r['att_inside'] else 'no'} | "
                f"{_fmt(a.get('estimate'), 0)} | {a.get('verdict')} | "
                f"{_fmt(r['seconds'], 1)} ({_fmt(r.get('cpu_seconds'), 1)}) | "
                f"{r['baselines']['ols_all']['estimate']:,.0f} | "
                f"{r['baselines']['ldml_all']['estimate']:,.0f} |"
            )
        lines.append("")
    return lines


def markdown(records: list[dict], meta: dict[str, Any]) -> str:
    """The results file: how it was made, the overall figures, per case, baselines, real data."""
    rows, total = case_rows(records), overall(records)
    by_verdict = "; ".join(
        f"{v}: {_fmt(share, 2)} of {count}" for v, (share, count) in total["by_verdict"].items()
    )
    errors = [r for r in records if "error" in r]
    lines = [
        "# Effect panel: the agent against the one-line baselines",
        "",
        f"Command: `{meta['command']}`  ",
        f"Seed base {meta['seed_base']}, {meta['reps']} replication(s) per case, "
        f"{meta['jobs']} worker process(es) (AGENT_N_JOBS {meta.get('agent_n_jobs', '?')} "
        f"inside each); {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"wall {meta['wall']:.0f} s.  ",
        (
            f"Seed base {meta['seed_base']} was not used while developing the panel (that was "
            "seed base 0): these tables are unseen.  "
            if meta["seed_base"] != DEV_SEED_BASE
            else "Seed base 0 is the one used while developing the panel; report figures from "
            "another (`--seed-base`).  "
        ),
        f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {__import__('os').cpu_count()} cores shared with "
        "other work (seconds are indicative).",
        "",
        "The agent is `agent analyze DATA --treatment T --outcome Y [--knowledge TIERS] --out DIR "
        "-q --llm offline`, run in-process; each synthetic table is analysed without and with its "
        "time order declared as `--knowledge` tiers (same table, paired). Correct: the 95% "
        "interval covers the truth or the estimate is within 10% of it (truth 0: the interval "
        "covers 0); where the structure is not decidable (from the data, or from the tiers when "
        "declared) an alternative answer in `effect.possible_effects` may be the right one. "
        "Baselines on the same table: OLS of the outcome on the treatment and every covariate "
        "(HC1 robust SE), EconML LinearDML on every covariate (RidgeCV outcome model, "
        "LogisticRegression or RidgeCV treatment model, cv=3, seeded), and the oracle (OLS on "
        "the true adjustment set, with the true functional form for the nonlinear kind). "
        "Width ratio: interval width over LinearDML-on-all's on the same table.",
        "",
        "## Overall (synthetic kinds)",
        "",
        f"- analyses: {total['analyses']}; crashed tasks: {total['errors']}; stopped at the "
        f"{meta.get('timeout')} s limit (scored as no answer): "
        f"{sum(bool(r.get('timed_out')) for r in records)}",
        f"- correct: {_fmt(total['correct'], 2)} (decidable {_fmt(total['correct_decidable'], 2)}, "
        f"undecidable {_fmt(total['correct_undecidable'], 2)})",
        f"- P(correct | verdict): {by_verdict}",
        f'- "robust" on a wrong answer: {total["robust_wrong"]}',
        f"- median interval width / LinearDML-on-all: {_fmt(total['width_ratio'], 2)}",
        f"- median seconds per analysis: {_fmt(total['seconds_synthetic'], 1)} synthetic, "
        f"{_fmt(total['seconds'], 1)} with the real data (wall; median CPU seconds "
        f"{_fmt(total['cpu'], 1)}, process and children)",
        "",
        "## Per case: the agent",
        "",
        *_case_table(rows),
        "",
        "## Per case: the baselines (same tables)",
        "",
        *_baseline_table(rows),
        "",
        "## Real data",
        "",
        *(_real_tables(records) or ["(not run: `--no-real`, or ../shared/data absent)", ""]),
    ]
    if meta.get("load"):
        lines[4:4] = [f"Load: {meta['load']}  "]
    if errors:
        lines += ["## Crashed tasks", ""] + [f"- {r.get('task')}: {r['error']}" for r in errors]
    return "\n".join(lines) + "\n"
