"""`byoc debug JOB`: a shell on a finished local job's host, as that host was; `byoc clean`: kept containers.

    plan.py   what the host had: image, its /opt/ml folder, environment, hostname, the command it ran
    shell.py  a container of that image on a network of its own, run by the docker CLI for the terminal
    kept.py   containers `byoc run --keep` kept, found for `docker inspect` and removed by `byoc clean`
"""
