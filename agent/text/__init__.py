"""Textual causal questions: formalise (offline parser or LLM) and answer with tools.

`formalize(text, llm=None)` returns a `Corr2CauseProblem` or `CLadderProblem`;
`answer_question(text, llm=None)` returns a `tools.formal.Answer` with its derivation.
Both raise `ParseError` (an `InputError`) when the text is in neither benchmark language.
"""

from agent.text.errors import ParseError
from agent.text.formalize import (
    Formalized,
    answer_question,
    detect_kind,
    formalize,
    formalize_verbose,
)

__all__ = [
    "Formalized",
    "ParseError",
    "answer_question",
    "detect_kind",
    "formalize",
    "formalize_verbose",
]
