"""Whether this browser session's page is still open (Solara's page status): the run
tab's Play loop and the class game's poll both stop when it is not."""

from __future__ import annotations


def page_connected() -> bool:
    """Whether a browser still shows this session (False once its tab is closed)."""
    try:
        from solara.server import kernel_context

        context = kernel_context.get_current_context()
    except Exception:  # the test renderer has no server context: always connected
        return True
    statuses = list(getattr(context, "page_status", {}).values())
    if not statuses:
        return True
    return any(s == kernel_context.PageStatus.CONNECTED for s in statuses)
