"""The straightforward pandas + scikit-learn PCA that the pca_ecg job must agree with.

    python reference_pca.py IN_DIR OUT_DIR N

For each IN_DIR/*.csv it writes OUT_DIR/pca_<name>: time column dropped, NaN as 0, PCA(N), no header
or index. The job's tests compare against it, and the benchmark times the job against it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd  # no stubs; see pyproject ignore list
from sklearn.decomposition import PCA


def reference_pca(source: Path, destination: Path, n_components: int) -> None:
    df = pd.read_csv(source)
    X = df.iloc[:, 1:].fillna(0).to_numpy()
    pd.DataFrame(PCA(n_components).fit_transform(X)).to_csv(destination, header=False, index=False)


def main(argv: Sequence[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    in_dir, out_dir, n_components = Path(argv[0]), Path(argv[1]), int(argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(in_dir.glob("*.csv")):
        reference_pca(path, out_dir / f"pca_{path.name}", n_components)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
