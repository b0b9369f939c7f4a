"""Views of a Plan (text, Markdown, JSON) and of an apply result. Pure string building."""

from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text, value

__all__ = ["render_markdown", "render_text", "value"]
