"""What the service's fields do not say about a finished job: `hint` lines for a failure, `warning` lines
for a job that Completed having done nothing somewhere. Pure functions of what a backend observed; no I/O.

    tracebacks  the last Python traceback (or exception line) of one host's log, compacted for a summary
    hints       failed hosts that wrote no exit message -> one hint per distinct failure, hosts named
    silence     a Pipe input nobody opened, a staged input nobody read, an output empty on every host
    naming      `algo-1 to algo-8`: several hosts in a few words

FailureReason and ExitMessage stay as the service writes them; these only add to them (JobStatus.hints,
JobStatus.warnings).
"""
