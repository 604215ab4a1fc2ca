"""A processing job with faults switched on by its image's ENV, for the images `byoc check` must catch.

Stdlib only, no byoc_runtime: what it does right or wrong is its own. It reads every CSV of every input
(as the config file lists them), writes one count per host to the first output, then sleeps SLEEP seconds.
    NO_HANDLER=1       no SIGTERM handler (PID 1 then ignores SIGTERM)
    NO_MESSAGE=1       a missing input fails with exit 1 and no /opt/ml/output/message
    WRITE_OUTSIDE=1    also writes /data/result.csv and /opt/ml/processing/result.csv
    TRAINING_PATHS=1   reads training's /opt/ml/input/data/<channel> instead of the LocalPaths
    SAME_NAME=1        every host writes its count to rows.txt (on 2 hosts: one name, two contents)
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

ML = Path("/opt/ml")


def main() -> None:
    if os.environ.get("NO_HANDLER") != "1":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    config = json.loads((ML / "config/processingjobconfig.json").read_text())
    host = json.loads((ML / "config/resourceconfig.json").read_text())["current_host"]
    inputs = {i["InputName"]: i["S3Input"]["LocalPath"] for i in config["ProcessingInputs"]}
    if "data" not in inputs:
        cause = f"InputError: no input 'data' (inputs: {sorted(inputs)})"
        print(cause, file=sys.stderr)
        if os.environ.get("NO_MESSAGE") != "1":
            (ML / "output/message").write_text(cause)
            sys.exit(4)
        sys.exit(1)
    if os.environ.get("TRAINING_PATHS") == "1":
        inputs = {name: f"/opt/ml/input/data/{name}" for name in inputs}
    files = [f for folder in inputs.values() for f in sorted(Path(folder).glob("*.csv"))]
    rows = sum(len(f.read_text().splitlines()) for f in files)
    output = Path(config["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["LocalPath"])
    name = "rows.txt" if os.environ.get("SAME_NAME") == "1" else f"rows-{host}.txt"
    (output / name).write_text(f"{host},{rows}\n")
    if os.environ.get("WRITE_OUTSIDE") == "1":
        Path("/data").mkdir(exist_ok=True)
        Path("/data/result.csv").write_text(f"{host},{rows}\n")
        (ML / "processing/result.csv").write_text(f"{host},{rows}\n")
    time.sleep(float(os.environ.get("SLEEP", "0")))


if __name__ == "__main__":
    main()
