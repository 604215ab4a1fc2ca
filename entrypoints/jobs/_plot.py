"""A picture of one PCA: the raw leads above, the principal components below, on one time axis.

matplotlib loads only when a plot is asked for (it adds about half a second to a job's start).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt


def plot_leads_and_components(
    leads: npt.NDArray[np.float64], scores: npt.NDArray[np.float64], lead_names: list[str], title: str, path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    samples = np.arange(leads.shape[0])
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(12, 7), sharex=True, constrained_layout=True)
    for j, name in enumerate(lead_names):
        top.plot(samples, leads[:, j] + 1.5 * j, linewidth=0.7, label=name)
    top.set_title(f"{title}: raw leads (offset for legibility; missing values as 0)")
    top.set_ylabel("mV + offset")
    top.legend(loc="upper right", fontsize="small", ncols=len(lead_names))
    for k in range(scores.shape[1]):
        bottom.plot(samples, scores[:, k] + 3.0 * k, linewidth=0.7, label=f"PC{k + 1}")
    bottom.set_title("principal components (offset for legibility)")
    bottom.set_xlabel("sample")
    bottom.set_ylabel("score + offset")
    bottom.legend(loc="upper right", fontsize="small", ncols=scores.shape[1])
    figure.savefig(path, dpi=110)
    plt.close(figure)
