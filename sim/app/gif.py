"""Export a scenario run to an animated GIF for slides: the network and the curves side
by side, one frame per step (or every k-th step).

      .venv/bin/python -m sim.app.gif --scenario syria_2012 --seed 0 --out figures/syria_2012.gif
    make gif SCENARIO=coup_proofed
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation, PillowWriter

from sim.files import atomic_write


def export_gif(
    scenario: str, seed: int, out: Path, every: int = 1, fps: int = 8, steps: int | None = None
) -> Path:
    """Run ``scenario`` with ``seed`` and write the animation to ``out``."""
    from sim.analysis.plots import draw_network, plot_hidden_and_survival, plot_share_by_role
    from sim.app.classroom import ClassroomModel

    model = ClassroomModel(scenario=scenario, seed=seed)
    total = steps if steps is not None else model.spec_steps
    fig = plt.figure(figsize=(13, 5.5), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[1.1, 1])
    net_ax = fig.add_subplot(grid[:, 0])
    top = fig.add_subplot(grid[0, 1])
    bottom = fig.add_subplot(grid[1, 1], sharex=top)
    tribes = {
        name: model.positions[model.world.tribe == k]
        for k, name in enumerate(model.labels.tribe_names)
    }
    roles = [o.role for o in model.officials]

    def draw(frame: int) -> None:
        while model.t < min(frame * every, total):
            model.step()
        for ax in (net_ax, top, bottom):
            ax.clear()
        for extra in fig.axes[3:]:
            extra.remove()
        draw_network(
            net_ax,
            model.positions,
            model.ties,
            model.states(),
            roles,
            tribes if len(tribes) > 1 else None,
        )
        net_ax.set_title(model.status().replace(" · perceived", "\nperceived"), fontsize=9)
        rows = model.timeseries()
        plot_share_by_role(top, rows, model.roles)
        top.set_xlim(0, total)
        top.legend(fontsize=7, loc="upper left", ncols=2)
        ax2 = plot_hidden_and_survival(bottom, rows)
        bottom.set_xlim(0, total)
        bottom.set_xlabel("week" if model.calendar else "step")
        h1, l1 = bottom.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        bottom.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
        fig.suptitle(f"{model.scenario_title} (seed {seed})", fontsize=11)

    frames = total // every + 1
    animation = FuncAnimation(fig, draw, frames=frames)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.partial.gif")
    out.parent.mkdir(parents=True, exist_ok=True)
    animation.save(tmp, writer=PillowWriter(fps=fps), dpi=80)
    plt.close(fig)
    atomic_write(out, tmp.read_bytes())
    tmp.unlink()
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
