"""The blog's preprocessing as a plain user script: no kit import, runs in any image with pandas and sklearn.

Reads every CSV in /opt/ml/processing/input/data, moves the target column first, splits 60/20/20
(seed 42), scales the features with a StandardScaler fitted on train only, and writes
<prefix>_{train,validation,test}.csv to /opt/ml/processing/output/{train,validation,test}.
"""

import argparse
import os
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

INPUT = Path("/opt/ml/processing/input/data")
OUTPUT = Path("/opt/ml/processing/output")

parser = argparse.ArgumentParser()
parser.add_argument("--target", default="PRICE")
args = parser.parse_args()
prefix = os.environ.get("PROCESSOR", "data")

frame = pd.concat([pd.read_csv(path) for path in sorted(INPUT.glob("*.csv"))], ignore_index=True)
frame = frame[[args.target] + [c for c in frame.columns if c != args.target]]
train, rest = train_test_split(frame, test_size=0.4, random_state=42)
validation, test = train_test_split(rest, test_size=0.5, random_state=42)
features = frame.columns[1:]
scaler = StandardScaler().fit(train[features])
for name, part in (("train", train), ("validation", validation), ("test", test)):
    part = part.copy()
    part[features] = scaler.transform(part[features])
    (OUTPUT / name).mkdir(parents=True, exist_ok=True)
    part.to_csv(OUTPUT / name / f"{prefix}_{name}.csv", index=False)
    print(f"preprocess: {name}: {len(part)} rows")
