"""Export a scenario run to an animated GIF for slides: the network and the curves side
by side, one frame per step (or every k-th step).

      .venv/bin/python -m sim.app.gif --scenario syria_2012 --seed 0 --out figures/syria_2012.gif
    make gif SCENARIO=coup_proofed
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.files import atomic_write


def export_gif(
    scenario: str, seed: int, out: Path, every: int = 1, fps: int = 8, steps: int | None = None
) -> Path:
    """Run ``scenario`` with ``seed`` and write the animation to ``out`` (the app's own
    pictures, :func:`sim.app.page.replay_gif`)."""
    from sim.app.classroom import Settings
    from sim.app.page import replay_gif

    settings = Settings(scenario, seed)
    total = steps if steps is not None else settings.build().spec_steps
    data = replay_gif(settings, [], total, every, duration=int(1000 / fps))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, data)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="syria_2012")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="default: figures/<scenario>.gif")
    parser.add_argument("--every", type=int, default=1, help="one frame every k steps")
    parser.add_argument("--fps", type=int, default=8)
    args = parser.parse_args(argv)
    from sim.app.classroom import SCENARIOS

    if args.scenario not in SCENARIOS:
        print(
            f"error: --scenario={args.scenario!r}: allowed: one of {', '.join(SCENARIOS)}",
            file=sys.stderr,
        )
        raise SystemExit(2)
    if args.every < 1 or args.fps < 1:
        print("error: --every and --fps: allowed: integers >= 1", file=sys.stderr)
        raise SystemExit(2)
    out = args.out or Path("figures") / f"{args.scenario}.gif"
    print(f"wrote {export_gif(args.scenario, args.seed, out, args.every, args.fps)}")


if __name__ == "__main__":
    main()
