"""Apps: what people use the assistant through, the command line (`cli`) and the Gradio chat (`ui`, `server`).

Nothing here is imported by `import assistant`: the modules load when a command or the chat starts.
"""

__all__ = ["cli", "guards", "server", "ui", "ui_timeline"]
