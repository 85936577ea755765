"""Keyboard shortcuts for the projector: Space plays or pauses, S (or →) steps, R resets.

A tiny Vue component listens to the page's key presses (not while typing in a field) and
sends the key to Python through a synced trait; nothing else is sent.
"""

from __future__ import annotations

import ipyvuetify as v
import traitlets

#: key -> action name (what the page does with it)
SHORTCUTS = {" ": "play", "s": "step", "ArrowRight": "step", "r": "reset"}

_TEMPLATE = """
<template><span class="keyboard-shortcuts"></span></template>
<script>
module.exports = {
  mounted() {
    const keys = %s;
    this.handler = (event) => {
      const tag = (event.target && event.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      const action = keys[event.key];
      if (action) {
        event.preventDefault();
        this.pressed = action + ":" + Date.now();
      }
    };
    document.addEventListener("keydown", this.handler);
  },
  destroyed() {
    document.removeEventListener("keydown", this.handler);
  },
};
</script>
"""


class KeyboardShortcuts(v.VuetifyTemplate):
    """Sets ``pressed`` to ``"<action>:<time>"`` on each shortcut (see :data:`SHORTCUTS`)."""

    template = traitlets.Unicode(
        _TEMPLATE % ("{" + ", ".join(f'"{k}": "{a}"' for k, a in SHORTCUTS.items()) + "}")
    ).tag(sync=True)
    pressed = traitlets.Unicode("").tag(sync=True)


def action_of(pressed: str) -> str | None:
    """The action of a ``pressed`` value, if it is one of ours (anything else: None)."""
    action = pressed.split(":", 1)[0]
    return action if action in set(SHORTCUTS.values()) else None
