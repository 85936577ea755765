"""The class game (placeholder)."""

import solara


@solara.component
def GameTab():
    solara.Markdown("The class game.")
