"""Report rendering: Markdown and HTML from templates, the graph image, and result.json."""
