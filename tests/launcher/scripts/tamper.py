"""A test job: algo-1 changes its input in every way a job can, then algo-2 reports what its own input holds.

algo-1 appends to a.csv in place, truncates b.csv, deletes c.csv and adds d.csv, then listens on port
5000 and answers `done`; algo-2 connects (retrying until algo-1 listens), so it looks only once
algo-1's changes are made. Each host writes <host>.json to output `out`: file name -> sha256.
"""

import hashlib
import json
import socket
import time
from collections.abc import Sequence
from pathlib import Path

from byoc_runtime import load_context, run

PORT = 5000


def main(argv: Sequence[str]) -> None:
    ctx = load_context()
    folder = Path("/opt/ml/processing/input/data")
    if ctx.current_host == "algo-1":
        with (folder / "a.csv").open("r+") as stream:  # in place: the same inode, written through
            stream.seek(0, 2)
            stream.write("changed by algo-1\n")
        (folder / "b.csv").write_text("")
        (folder / "c.csv").unlink()
        (folder / "d.csv").write_text("new on algo-1\n")
        with socket.create_server(("", PORT)) as server:
            server.settimeout(120)
            for _ in ctx.hosts[1:]:
                connection, _ = server.accept()
                with connection:
                    connection.sendall(b"done")
    else:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("algo-1", PORT), timeout=5) as connection:
                    assert connection.recv(4) == b"done"
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    seen = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}
    out = Path("/opt/ml/processing/output/out")
    (out / f"{ctx.current_host}.json").write_text(json.dumps(seen))


run(main)
