"""Seeded sample data for the examples: multi-lead ECG recordings and a house-pricing table.

    python examples/data/generate.py [--out examples/data] [--ecg-files 8]

Generated on first use (`make demo` calls this) rather than committed: a few MB of CSV that the seed
reproduces byte for byte. ECG: `ecg/ecg-<i>.csv` with a time column (s) and 4 leads (mV) at 250 Hz for
20 s: heartbeats (P, QRS, T waves as Gaussians at a jittered heart rate), baseline wander, mains hum,
noise, and about 0.5% missing values. Houses: `houses/houses.csv` with a PRICE column.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SAMPLE_RATE_HZ = 250
DURATION_S = 20
# Each lead sees the heart's waves with its own gain (lead I, II, III, V1 in spirit).
LEAD_NAMES = ("lead_i", "lead_ii", "lead_iii", "lead_v1")
LEAD_GAINS = np.array([[0.6, 1.0, 0.4], [1.0, 1.6, 0.7], [0.4, 0.6, 0.3], [-0.3, -1.2, 0.5]])  # P, QRS, T


def heartbeat_waves(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """P, QRS and T components (3 x len(t)) of a heart beating at a slightly irregular rate."""
    rate_hz = rng.uniform(1.0, 1.4)
    beats, moment = [], 0.2
    while moment < t[-1]:
        beats.append(moment)
        moment += rng.normal(1 / rate_hz, 0.03)
    waves = np.zeros((3, t.size))
    for beat in beats:
        for row, (offset, width, height) in enumerate(((-0.2, 0.025, 0.15), (0.0, 0.012, 1.2), (0.3, 0.05, 0.3))):
            waves[row] += height * np.exp(-((t - beat - offset) ** 2) / (2 * width**2))
    return waves


def ecg_table(index: int, seed: int, seconds: float = DURATION_S) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + index)
    t = np.arange(0, seconds, 1 / SAMPLE_RATE_HZ)
    leads = LEAD_GAINS @ heartbeat_waves(t, rng)
    leads += 0.15 * np.sin(2 * np.pi * rng.uniform(0.15, 0.4) * t + rng.uniform(0, 2 * np.pi))  # breathing
    leads += 0.02 * np.sin(2 * np.pi * 50 * t)  # mains hum
    leads += rng.normal(0, 0.03, leads.shape)
    leads[rng.random(leads.shape) < 0.005] = np.nan
    return t, leads.T


def write_ecg(folder: Path, files: int, seed: int, seconds: float = DURATION_S) -> None:
    """Values rounded to 5 decimals (µV resolution); missing values are empty cells."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        t, leads = ecg_table(i, seed, seconds)
        columns = {"time": pa.array(np.round(t, 3))}
        for name, values in zip(LEAD_NAMES, leads.T, strict=True):
            columns[name] = pa.array(np.round(values, 5), mask=np.isnan(values))
        options = pacsv.WriteOptions(quoting_style="none", quoting_header="none")
        pacsv.write_csv(pa.table(columns), folder / f"ecg-{i}.csv", options)


def write_houses(folder: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sqft = rng.normal(1800, 500, rows).clip(400, 6000).round()
    bedrooms = np.clip(np.round(sqft / 600 + rng.normal(0, 0.7, rows)), 1, 7)
    bathrooms = np.clip(np.round(bedrooms * 0.6 + rng.normal(0, 0.5, rows)), 1, 5)
    year = rng.integers(1920, 2024, rows)
    lot = rng.lognormal(8.5, 0.5, rows).round()
    distance = rng.gamma(2.0, 6.0, rows).round(1)
    price = (120 * sqft + 15000 * bathrooms + 800 * (year - 1920) + 2 * lot - 4000 * distance
             + rng.normal(0, 25000, rows)).clip(50000).round(-2)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["SQFT,BEDROOMS,BATHROOMS,YEAR_BUILT,LOT_SIZE,DISTANCE_KM,PRICE"]
    for row in zip(sqft, bedrooms, bathrooms, year, lot, distance, price, strict=True):
        lines.append(",".join(f"{v:g}" for v in row))
    (folder / "houses.csv").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--ecg-files", type=int, default=8)
    parser.add_argument("--house-rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    write_ecg(args.out / "ecg", args.ecg_files, args.seed)
    write_houses(args.out / "houses", args.house_rows, args.seed)
    print(f"sample data in {args.out}/ecg ({args.ecg_files} files) and {args.out}/houses")


if __name__ == "__main__":
    main()
