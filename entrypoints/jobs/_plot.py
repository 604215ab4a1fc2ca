"""A picture of one PCA: the raw leads above, the principal components below, on one time axis.

Drawing a recording's 250 000 samples a line takes longer than reducing and writing it (Agg's
`draw_path` is most of it, matplotlib's import the rest), and matplotlib holds the GIL while it
draws, so a thread would stall the job's own work. `PlotProcess` therefore draws in a separate
process (spawned, never forked: pyarrow's and BLAS's thread pools are running by then) that imports
matplotlib while the job goes on with the other recordings; the job waits for the picture at its
end. The picture is the same, byte for byte, as one drawn in the job's own process.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


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


class PlotProcess:
    """Plots drawn by one worker process, started at the first plot; `wait` raises a plot's error here."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._drawing: list[Future[None]] = []

    def start(
        self, leads: npt.NDArray[np.float64], scores: npt.NDArray[np.float64], lead_names: list[str], title: str,
        path: Path,
    ) -> None:
        if self._pool is None:
            import multiprocessing  # only a job that draws pays for it
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self._drawing.append(self._pool.submit(plot_leads_and_components, leads, scores, lead_names, title, path))

    def wait(self) -> None:
        """Every plot finished, in the order started; the first failure is raised as the drawing raised it."""
        while self._drawing:
            self._drawing.pop(0).result()

    def __enter__(self) -> PlotProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None) -> None:
        """On failure or stop, the job ends without waiting for a picture no one will see."""
        if self._pool is not None:
            self._pool.shutdown(wait=error is None, cancel_futures=True)
