"""The Python API: `analyze(df_or_path, ...)` and `ask(text)`, the same run as the CLI.

`analyze` builds the same `AnalysisRequest` and `Settings` as `agent analyze`, runs the same state
machine and writes the same report (into a private temporary folder unless `out` is given), so
the numbers match the CLI's for the same seed. It returns an `Analysis`: the typed results, the
per-row effects as a DataFrame, `result.json` as a dict, `save(folder)` for the files, and a
notebook rendering of the report. Problems the user can fix raise `AgentError` subclasses with
the CLI's one-line messages; nothing is printed unless `progress=True`.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from threadpoolctl import threadpool_limits

from agent.config import resolve_settings
from agent.context import RunContext, TableCache, no_progress
from agent.report.diagnostics import FIGURES
from agent.report.inline import notebook_html, notebook_markdown
from agent.report.render import check_out_dir, headline, staged_folder
from agent.request import PathLike, build_request, make_llm
from agent.run import run_analysis
from agent.state import AnalysisRequest, AnalysisState, Critique
from tools.errors import AgentError, InputError
from tools.formal import Answer, TextProblem
from tools.types import CausalGraph, EffectEstimate, IdentificationResult

REPORT_FILES = (
    "report.md",
    "report.html",
    "graph.png",
    "cate.png",
    "effect_over_time.png",
    *FIGURES,
)
"""Files of a run folder kept in memory (cate.csv is rewritten from the CATE table)."""


class AnalysisFailed(AgentError):
    """A step of the run failed (`agent analyze` exits 1). `analysis` holds what finished, when
    a report was written (it says which step failed and why)."""

    exit_code = 1

    def __init__(self, message: str, analysis: Analysis | None = None) -> None:
        super().__init__(message)
        self.analysis = analysis


class ProgressBar:
    """One tick per finished step: tqdm's notebook widget in Jupyter (when ipywidgets is
    installed; else its text bar, which a notebook shows too), a text bar in a terminal."""

    def __init__(self, description: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "IProgress not found": the text bar is fine
            from tqdm.auto import tqdm

            self.bar = tqdm(total=None, desc=description, unit="step", leave=True)

    def __call__(self, node: str, event: str, info: dict) -> None:
        if event == "start":
            self.bar.set_description(node)
            return
        if event == "tick":  # inside a long step: say how far it is, without counting a step
            self.bar.set_description(
                f"{node}: {info.get('what', 'task')} {info.get('done')}/{info.get('total')}"
            )
            return
        self.bar.update(1)
        self.bar.set_postfix_str(f"{node} {info.get('status', '')}", refresh=True)

    def close(self) -> None:
        self.bar.close()


class Analysis:
    """One finished analysis: typed results, the report files and their notebook rendering.

    Attributes are the agent's own types (`tools.types`, `agent.state`): `effect`,
    `identification`, `graph` (with `.to_networkx()`, `.to_dot()`, `.to_edge_list()`),
    `critique`; `cate` is the per-row effect table; `state` is the whole run.
    """

    def __init__(
        self,
        state: AnalysisState,
        result: dict[str, Any],
        files: dict[str, bytes],
        cate: Any | None,
        directory: Path | None,
    ) -> None:
        self.state = state
        self._result = result
        self._files = files
        self._cate = cate
        self.directory = directory
        """The folder the report is in (`out=` or the last `save`); None: in memory only."""

    @property
    def effect(self) -> EffectEstimate | None:
        return self.state.effect

    @property
    def identification(self) -> IdentificationResult | None:
        return self.state.identification

    @property
    def graph(self) -> CausalGraph | None:
        return self.state.graph

    @property
    def critique(self) -> Critique | None:
        return self.state.critique

    @property
    def headline(self) -> str:
        """The report's first sentence: the answer, its interval and the critique verdict."""
        return headline(self.state)

    @property
    def cate(self) -> pd.DataFrame | None:
        """Per-row effects (CATE) with the covariates they depend on; None without an estimate."""
        return None if self._cate is None else self._cate.frame

    def to_dict(self) -> dict[str, Any]:
        """The content of result.json (a copy; file paths point into `directory`, or are bare
        file names while the report is only in memory)."""
        return copy.deepcopy(self._result)

    def save(self, folder: PathLike) -> Path:
        """Write the files `agent analyze` writes into `folder`, which must not exist or be
        empty (an earlier run is never overwritten); returns the folder."""
        folder = Path(folder)
        with staged_folder(folder) as staging:
            for name, data in self._files.items():
                (staging / name).write_bytes(data)
            if self._cate is not None:
                self._cate.write_csv(staging / "cate.csv")
            result = relocate(self._result, folder, self._cate is not None)
            (staging / "result.json").write_text(
                json.dumps(result, indent=2, default=str), encoding="utf-8"
            )
        self.directory, self._result = folder, result
        return folder

    def _repr_html_(self) -> str:
        return notebook_html(self._files["report.html"].decode("utf-8"))

    def _repr_markdown_(self) -> str:
        images = {n: data for n, data in self._files.items() if n.endswith(".png")}
        return notebook_markdown(self._files["report.md"].decode("utf-8"), images)

    def __repr__(self) -> str:
        effect = self.effect
        if effect is None:
            return f"Analysis({self.headline})"
        verdict = self.critique.verdict if self.critique else "no critique"
        return (
            f"Analysis({effect.treatment} -> {effect.outcome}: {effect.estimate:.4g} "
            f"[{effect.ci_low:.4g}, {effect.ci_high:.4g}], {verdict})"
        )


def relocate(result: dict[str, Any], folder: Path | None, has_cate: bool) -> dict[str, Any]:
    """result.json with its file paths in `folder` (None: bare names, for a report in memory)."""
    result = copy.deepcopy(result)

    def where(name: str) -> str:
        return str(folder / name) if folder is not None else name

    result["report"] = {"markdown": where("report.md"), "html": where("report.html")}
    if result.get("effect") is not None:
        result["effect"]["cate_path"] = where("cate.csv") if has_cate else None
    return result


def _data_source(data: object, name: str | None, tables: TableCache) -> str:
    """The request's data path: the file's, or a name standing for an in-memory frame."""
    if isinstance(data, pd.DataFrame):
        label = f"<{name or 'DataFrame'}>"
        tables.frames[label] = data
        return label
    if isinstance(data, str | os.PathLike):
        return str(data)
    raise InputError(f"data must be a file path or a pandas DataFrame, not {type(data).__name__}")


def _graph_source(graph: PathLike | CausalGraph | None, folder: Path) -> str | None:
    """A graph object is written as the edge list `--graph` reads, in the run's private folder."""
    if graph is None or isinstance(graph, str | os.PathLike):
        return None if graph is None else str(graph)
    if not isinstance(graph, CausalGraph):
        raise InputError(f"graph must be a file path or a CausalGraph, not {type(graph).__name__}")
    path = folder / "user-graph.txt"
    path.write_text(graph.to_edge_list(), encoding="utf-8")
    return str(path)


def analyze(
    data: PathLike | pd.DataFrame,
    treatment: str | None = None,
    outcome: str | None = None,
    question: str | None = None,
    knowledge: PathLike | None = None,
    graph: PathLike | CausalGraph | None = None,
    llm: str = "offline",
    seed: int = 0,
    out: PathLike | None = None,
    progress: bool = False,
    *,
    graph_mode: Literal["replace", "seed"] = "replace",
    algorithm: str | None = None,
    context: str | None = None,
    prior: Literal["auto", "pairwise", "bfs", "graph", "none"] = "auto",
    prior_samples: int = 1,
    max_rows: int | None = None,
    drop: Sequence[str] | str | None = None,
    base_url: str | None = None,
    llm_strict: bool = False,
    no_cache: bool = False,
    name: str | None = None,
    time: str | None = None,
    unit: str | None = None,
    max_lag: int | None = None,
    horizon: int = 5,
    hidden_confounders: bool = False,
    estimand: Literal["ate", "att", "atc"] = "ate",
    estimator: str = "auto",
    reference: str | None = None,
    dose: bool = False,
    modifiers: Sequence[str] | str | None = None,
) -> Analysis:
    """Analyse a table (a CSV/TSV/Parquet path or a DataFrame) as `agent analyze` does.

    Keywords are the CLI's flags. `out` also writes the report folder (it must not exist or be
    empty); otherwise the report stays in memory until `save`. `name` labels a DataFrame in the
    report. Raises `AgentError` subclasses (`InputError`, `ConfigError`, `AnalysisFailed`).
    """
    settings = resolve_settings(
        llm=llm,
        base_url=base_url,
        llm_strict=llm_strict,
        no_cache=no_cache,
        max_rows=max_rows,
        quiet=not progress,
    )
    tables = TableCache()
    source = _data_source(data, name, tables)
    with tempfile.TemporaryDirectory(prefix="causal-agent-") as scratch:
        folder = Path(out) if out is not None else Path(scratch) / "report"
        request = build_request(
            source,
            treatment=treatment,
            outcome=outcome,
            question=question,
            knowledge=knowledge,
            graph_path=_graph_source(graph, Path(scratch)),
            graph_mode=graph_mode,
            algorithm=algorithm,
            context=context,
            prior=prior,
            prior_samples=prior_samples,
            seed=seed,
            max_rows=settings.max_rows,
            out_dir=str(folder),
            drop=drop,
            time=time,
            unit=unit,
            max_lag=max_lag,
            horizon=horizon,
            hidden_confounders=hidden_confounders,
            estimand=estimand,
            estimator=estimator,
            reference=reference,
            dose=dose,
            modifiers=modifiers,
        )
        check_out_dir(folder)
        ctx = RunContext(settings=settings, llm=make_llm(settings), tables=tables)
        state = _run(request, ctx, progress, "analysis")
        if state.report is None:
            raise AnalysisFailed(
                "no report was written: "
                + "; ".join(f"{r.node}: {r.error}" for r in state.trail if r.error)
            )
        files = {n: (folder / n).read_bytes() for n in REPORT_FILES if (folder / n).exists()}
        result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    cate = ctx.artifacts.get("cate")
    kept = Path(out) if out is not None else None
    analysis = Analysis(state, relocate(result, kept, cate is not None), files, cate, kept)
    if state.failed_nodes:
        where = f"in {kept}" if kept else "(the error's .analysis; .save(folder) writes it)"
        raise AnalysisFailed(
            f"step(s) failed: {', '.join(state.failed_nodes)}; the report {where} shows what "
            "finished",
            analysis,
        )
    return analysis


def _run(request: AnalysisRequest, ctx: RunContext, progress: bool, label: str) -> AnalysisState:
    """Run the graph with one native thread per worker (as the CLI), restored afterwards."""
    bar = ProgressBar(label) if progress else None
    ctx.progress = bar if bar is not None else no_progress
    try:
        with threadpool_limits(limits=1), warnings.catch_warnings():
            # the first run imports causal-learn and dowhy, whose tqdm.auto warns in a notebook
            # without ipywidgets; nothing here draws a widget (as in agent/__init__.py)
            warnings.filterwarnings("ignore", message="IProgress not found")
            return run_analysis(request, ctx)
    finally:
        ctx.close()  # a Ray this run started (AGENT_EXECUTOR=ray) is shut down
        if bar is not None:
            bar.close()


class TextAnswer:
    """The answer to a textual causal question, with the derivation and the formal problem."""

    def __init__(self, state: AnalysisState) -> None:
        self.state = state

    @property
    def answer(self) -> Answer:
        return self.state.answer

    @property
    def formal(self) -> TextProblem | None:
        return self.state.formal

    def to_dict(self) -> dict[str, Any]:
        """What `agent ask --json` prints."""
        s = self.state
        return {
            "answer": s.answer.model_dump(mode="json"),
            "formal": s.formal.model_dump(mode="json") if s.formal else None,
            "formalised_by": s.formal_source,
            "critique": s.critique.model_dump(mode="json") if s.critique else None,
        }

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.answer.answer}**", ""]
        lines += [f"- {line}" for line in self.answer.derivation]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"TextAnswer({self.answer.answer!r})"


def ask(
    text: str,
    llm: str = "offline",
    progress: bool = False,
    *,
    base_url: str | None = None,
    llm_strict: bool = False,
    no_cache: bool = False,
) -> TextAnswer:
    """Answer a Corr2Cause- or CLadder-style question by formalising it and computing, as
    `agent ask` does."""
    settings = resolve_settings(
        llm=llm, base_url=base_url, llm_strict=llm_strict, no_cache=no_cache, quiet=not progress
    )
    ctx = RunContext(settings=settings, llm=make_llm(settings))
    state = _run(AnalysisRequest(text=text), ctx, progress, "question")
    if state.answer is None:
        raise AnalysisFailed(
            "no answer: " + "; ".join(f"{r.node}: {r.error}" for r in state.trail if r.error)
        )
    return TextAnswer(state)
