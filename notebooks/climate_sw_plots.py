"""Draws the shallow-water figures of the climate study from a lowp result file.

    import climate_sw_plots
    paths = climate_sw_plots.plot_shallow_water("out/climate_quick.h5", "out/figures")

Reads the runs named sw_* (written by lowp::study::climate::run_sw_task; layout in
data/README.md): eta snapshots (binary64 at the start and the end, each format at the end), the
eta RMSE against binary64 over time normalised by the spread of the perturbed binary64 members,
and max |u| over time. Returns the PNG paths it wrote.
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lowp_h5  # noqa: E402

# Plot order, colour and label of each kind of run.
_STYLES = [
    ("sw_binary32_rn", "tab:green", "binary32"),
    ("sw_mixed_rn", "tab:purple", "binary16 + binary32 prognostics"),
    ("sw_binary16_rn", "tab:blue", "binary16"),
    ("sw_bfloat16_rn", "tab:red", "bfloat16 nearest"),
    ("sw_bfloat16_sr_", "tab:orange", "bfloat16 stochastic"),
    ("sw_binary64_member_", "0.6", "binary64 perturbed members"),
]


def _runs(res, prefix):
    """Returns the sw runs whose name is prefix (exact) or starts with it (numbered prefixes)."""
    if prefix.endswith("_"):
        found = [r for n, r in res.runs.items() if n.startswith(prefix)]
        return sorted(found, key=lambda r: int(r.name[len(prefix):]))
    return [res.runs[prefix]] if prefix in res.runs else []


def plot_shallow_water(h5path, outdir):
    """Writes the shallow-water figures of h5path into outdir; returns their paths."""
    res = lowp_h5.load(h5path)
    if "sw_binary64" not in res.runs:
        raise ValueError(f"{h5path} has no shallow-water runs (sw_binary64 missing)")
    os.makedirs(outdir, exist_ok=True)
    ref = res.runs["sw_binary64"]
    saved = []

    # 1. eta snapshots on one colour scale.
    panels = [("binary64, start", ref.data["eta_initial"]), ("binary64, end", ref.data["eta_final"])]
    for prefix, _, label in _STYLES[:-1]:
        runs = _runs(res, prefix)
        if runs:
            panels.append((label + ", end", runs[0].data["eta_final"]))
    vmax = max(float(np.nanmax(np.abs(p[1]))) for p in panels)
    cols = 2
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.6 * rows), squeeze=False)
    days = float(ref.data["time"][-1])
    for ax, (title, eta) in zip(axes.ravel(), panels):
        im = ax.imshow(eta, origin="lower", cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                       extent=[0, 2000, 0, 1000], aspect="equal")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("x [km]", fontsize=8)
        ax.set_ylabel("y [km]", fontsize=8)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    fig.colorbar(im, ax=axes.ravel().tolist(), label="eta [m]", shrink=0.8)
    fig.suptitle(f"Shallow water: surface elevation after {days:g} days")
    path = os.path.join(outdir, "sw_eta_snapshots.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    saved.append(path)

    # 2. error against binary64 over time, raw and normalised by the ensemble spread.
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for prefix, colour, label in _STYLES:
        for i, r in enumerate(_runs(res, prefix)):
            t = r.data["time"]
            kw = dict(color=colour, lw=1.5 if i == 0 else 0.8, label=label if i == 0 else None)
            ax1.semilogy(t[1:], r.data["eta_rmse"][1:], **kw)
            ax2.semilogy(t[1:], r.data["eta_rmse_norm"][1:], **kw)
    any_run = next(iter(r for r in res.runs.values() if "ensemble_spread" in r.data), None)
    if any_run is not None:
        ax1.semilogy(any_run.data["time"][1:], any_run.data["ensemble_spread"][1:], "k--",
                     lw=1, label="binary64 ensemble spread")
    ax2.axhline(1, color="k", ls="--", lw=1)
    ax1.set_ylabel("eta RMSE vs binary64 [m]")
    ax2.set_ylabel("eta RMSE / binary64 ensemble spread")
    for ax in (ax1, ax2):
        ax.set_xlabel("time [days]")
        ax.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=7)
    fig.suptitle("Shallow water: error of each format against binary64")
    fig.tight_layout()
    path = os.path.join(outdir, "sw_error_vs_time.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    saved.append(path)

    # 3. max |u| over time (the boundedness check).
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(ref.data["time"], ref.data["max_speed"], "k", lw=2, label="binary64")
    for prefix, colour, label in _STYLES[:-1]:
        for i, r in enumerate(_runs(res, prefix)):
            ax.plot(r.data["time"], r.data["max_speed"], color=colour, lw=1 if i == 0 else 0.6,
                    label=label if i == 0 else None)
    ax.set_xlabel("time [days]")
    ax.set_ylabel("max |u|, |v| [m/s]")
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path = os.path.join(outdir, "sw_max_speed.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    saved.append(path)
    return saved


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: climate_sw_plots.py RESULT.h5 OUTDIR")
    for p in plot_shallow_water(sys.argv[1], sys.argv[2]):
        print(p)
