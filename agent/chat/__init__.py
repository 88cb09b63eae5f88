"""The chat's parts: what a line asks for (intents), what an edit changes and makes stale (edits),
and what is shown (views). The loop itself is agent/repl.py; sessions are agent/session.py."""
