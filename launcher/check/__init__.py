"""`byoc check IMAGE`: does an image honour the SageMaker Processing container contract?

The evidence is gathered once, then every rule judges from it alone:

    engine.py    an engine the runs can be watched on: this kernel's, bind mounts (no volume staging)
    image.py     what the engine says about the image: platform, ENTRYPOINT, CMD, USER, size
    layers.py    every file of every layer, and the secrets-looking ones
    probe.py     can the image's user write an output folder mounted root-owned 0755?
    plan.py      the job to run: the job file's (--job), or the image's defaults with sample inputs
    scenarios.py its runs on the local backend: 1 host, 2 hosts, an input missing, SIGTERM
    watch.py     what the hosts read under /opt/ml (inotify on the host side of the bind mount)
    changes.py   what they wrote (docker diff of each kept container, and their /opt/ml folders)
    evidence.py  all of it, as the rules see it
    rules/       one module per rule: its name, what it checks, its fix, its judgement
    model.py     Rule, Finding, Report
    checker.py   evidence in, report out

No module here imports the CLI; `launcher/cli/check.py` prints the report.
"""
