"""PCA scores exactly as scikit-learn's `PCA(n).fit_transform` computes them, without importing it for ECG data.

Importing scikit-learn costs more than the whole PCA of a recording: it imports scipy.stats and pandas
(about a third of the job's time before this module). For tall data, at least 10 rows per column and
at most 1000 columns (every ECG recording: 250 rows a second, a handful of leads), scikit-learn's
default solver is `covariance_eigh`: the leads' covariance matrix from one X^T X product, its
eigendecomposition, the sign rule of `svd_flip` (each component's largest-magnitude loading made
positive), then X @ components^T with the mean's projection subtracted. The same numpy calls on the
same array layout give the same bits, so this is that solver, step for step, in numpy (which pyarrow
imports anyway). An SVD of the centred data would agree only to rounding and needs a centred copy.

Other shapes (few rows or very many columns), where scikit-learn picks an SVD solver instead, are
handed to scikit-learn itself, imported only then: its results stay the reference for every input.

BLAS runs on one thread for this solver: its products are (rows x leads) by (leads x leads), too
small for threads to pay, and on a busy machine (the job's writer threads, or several hosts of a local
job on a few cores) OpenBLAS's threads wait for each other: 250 000 x 4 by 4 x 4 took 136 ms on two
threads against 1.4 ms on one. OpenBLAS splits a product between threads by blocks of the result,
never along a sum, so the bits are those of scikit-learn's threaded run (tests/jobs compare them).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

Matrix = npt.NDArray[np.float64]

# scikit-learn's rule for choosing `covariance_eigh` under svd_solver="auto" (sklearn/decomposition/_pca.py).
MAX_COVARIANCE_COLUMNS = 1000
MIN_ROWS_PER_COLUMN = 10


def pca_scores(data: Matrix, n_components: int) -> Matrix:
    """`PCA(n_components, random_state=0).fit_transform(data)`, bit for bit; data: finite float64 rows."""
    rows, columns = data.shape
    if columns <= MAX_COVARIANCE_COLUMNS and rows >= MIN_ROWS_PER_COLUMN * columns:
        with threadpool_limits(limits=1, user_api="blas"):
            return _covariance_eigh_scores(data, n_components)
    from sklearn.decomposition import PCA  # an SVD solver: rare shapes, scikit-learn's own code, as it runs

    return np.asarray(PCA(n_components=n_components, random_state=0).fit_transform(data), dtype=np.float64)


def _covariance_eigh_scores(data: Matrix, n_components: int) -> Matrix:
    """scikit-learn's `_fit_full` (solver "covariance_eigh"), `svd_flip(None, Vt, u_based_decision=False)`
    and `_transform`, in their order of operations, which the result's last bits depend on."""
    rows = data.shape[0]
    mean = np.mean(data, axis=0)
    covariance = data.T @ data
    covariance -= rows * mean.reshape(-1, 1) * mean.reshape(1, -1)
    covariance /= rows - 1
    _, vectors = np.linalg.eigh(covariance)  # eigenvalues ascending; components by decreasing variance:
    components = np.flip(vectors, axis=1).T
    largest = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(components.shape[0]), largest])[:, np.newaxis]
    kept = np.array(components[:n_components], copy=True)
    scores: Matrix = data @ kept.T
    scores -= mean.reshape(1, -1) @ kept.T
    return scores
