"""Every host of the job as one Spark standalone cluster; the app runs on it from the first host.

Roles come from resourceconfig.json (through byoc_runtime's context): the first host in sorted
order is the primary, as in AWS's Spark container.

    primary (algo-1)                            every other host (algo-2 ... algo-N)
    ------------------------------------       ------------------------------------------
    wait for algo-1 to resolve (deadline)       wait for algo-1 to resolve in DNS (deadline)
    start the master on algo-1:7077             wait for the master's ports to open (deadline)
    start a worker                              start a worker that joins the master
    wait until all N workers are ALIVE          poll the primary's app port every second
      in the master's /json/ (deadline)         it stays closed 2 times in a row:
    spark-submit APP (client mode)                the app is over -> stop the worker, exit 0
    close the app port; wait (bounded) until    the worker dies while the app runs: error
      the other hosts' workers have left
    stop driver, worker, master
    exit with the app's status

The app port (byoc_spark.beacon) is open from before the master starts until the app is over. The
workers elsewhere leave first, then the primary's worker, then the master: a worker whose master goes
first logs connection errors and stack traces that would make a successful job's log look like a failure.

Each deadline is BYOC_SPARK_WAIT_SECONDS (default 180) and its error says what it waited for and
what it saw. Spark's configuration, work and scratch folders are under BYOC_SPARK_DIR (default
/tmp/byoc-spark). A host that fails or is stopped (SIGTERM, raised by byoc_runtime's handler) stops
its Spark processes on the way out.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from byoc_runtime import JobContext, UsageError, load_context
from byoc_spark.beacon import APP_PORT, AppBeacon
from byoc_spark.configuration import CONFIGURATION_FILE, load_configuration
from byoc_spark.driver_output import app_error
from byoc_spark.errors import ClusterError, SparkAppError, exit_status
from byoc_spark.options import SubmitRequest
from byoc_spark.processes import Process, Processes
from byoc_spark.resources import HostPlan, detect, plan_host
from byoc_spark.sparkconf import (
    check_fits,
    cluster_properties,
    event_log_properties,
    masked,
    properties_text,
    s3_properties,
    spark_env,
    write_conf_dir,
)
from byoc_spark.waiting import Worker, master_workers, port_open, resolve, wait_for

log = logging.getLogger("byoc_spark")

MASTER_PORT = 7077
MASTER_UI_PORT = 8080
WORKER_PORT = 7078
WORKER_UI_PORT = 8081
BASE_DIR = Path("/tmp/byoc-spark")
DIR_ENV = "BYOC_SPARK_DIR"  # Spark's configuration, work and scratch folders; /tmp/byoc-spark by default
WAIT_ENV = "BYOC_SPARK_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 180.0
POLL_SECONDS = 1.0
APP_OVER_AFTER = 2  # closed-port polls in a row
LEAVE_SECONDS = 30.0  # how long the primary waits for the other hosts' workers to leave once the app is over


@dataclass(frozen=True, slots=True)
class ClusterLayout:
    hosts: tuple[str, ...]
    current: str
    wait_seconds: float
    base_dir: Path = BASE_DIR

    @property
    def primary(self) -> str:
        return sorted(self.hosts)[0]

    @property
    def is_primary(self) -> bool:
        return self.current == self.primary

    @property
    def master_url(self) -> str:
        return f"spark://{self.primary}:{MASTER_PORT}"

    @property
    def conf_dir(self) -> Path:
        return self.base_dir / "conf"


def run_app(request: SubmitRequest, environ: Mapping[str, str] | None = None) -> None:
    """Form the cluster on every host and run `request` on it; returns when this host's part is done."""
    env = dict(os.environ if environ is None else environ)
    context = load_context(env)
    base_dir = Path(env.get(DIR_ENV) or BASE_DIR)
    layout = ClusterLayout(context.hosts, context.current_host, _wait_seconds(env), base_dir)
    configuration = load_configuration(context.layout.local(CONFIGURATION_FILE))
    if configuration.ignored:
        log.warning("configuration.json: ignored %s (no YARN, HDFS or Hive daemons run in this image)",
                    ", ".join(configuration.ignored))
    plan = plan_host(detect(), primary=layout.is_primary)
    log.info("host %s of %s (%s); worker: %d cores, %d MiB", layout.current, ", ".join(sorted(layout.hosts)),
             "primary: master, worker and driver" if layout.is_primary else "worker", plan.worker_cores,
             plan.worker_memory_mb)
    properties = {
        **s3_properties(env),
        **event_log_properties(request.event_logs_dir, request.event_logs_uri),
        **configuration.spark_properties,
        **dict(request.conf),
    }
    write_conf_dir(layout.conf_dir, properties, configuration, spark_env(layout.base_dir, configuration.spark_env))
    process_env = {**env, "SPARK_CONF_DIR": str(layout.conf_dir), "SPARK_LOCAL_HOSTNAME": layout.current}
    with Processes(process_env) as processes:
        if layout.is_primary:
            with AppBeacon() as beacon:  # closed before `processes` stops the master, on every way out
                _run_primary(layout, plan, processes, request, properties, context)
                beacon.close()
                _wait_for_workers_to_leave(layout)
        else:
            _run_worker(layout, plan, processes)


def _run_primary(layout: ClusterLayout, plan: HostPlan, processes: Processes, request: SubmitRequest,
                 properties: dict[str, str], context: JobContext) -> None:
    submit_arguments = request.submit_arguments()  # bad dependency paths fail before anything starts
    if request.event_logs_dir:
        Path(request.event_logs_dir).mkdir(parents=True, exist_ok=True)
    # The master binds to the address its name resolves to; SageMaker's DNS may lag at start.
    wait_for(f"this host's name {layout.primary} to resolve in DNS",
             lambda: (resolve(layout.primary), "it does not resolve yet"), timeout=layout.wait_seconds)
    master = processes.start("the Spark master", [
        _spark_class(processes.env), "org.apache.spark.deploy.master.Master",
        "--host", layout.primary, "--port", str(MASTER_PORT), "--webui-port", str(MASTER_UI_PORT)])

    def master_listens() -> tuple[bool | None, str]:
        _check_alive(master, "while starting")
        return (True if port_open(layout.primary, MASTER_PORT) else None), "nothing listens on that port yet"

    wait_for(f"the Spark master to listen on {layout.primary}:{MASTER_PORT}", master_listens,
             timeout=layout.wait_seconds, period=0.5)
    worker = _start_worker(layout, plan, processes)
    expected = sorted(layout.hosts)

    def all_registered() -> tuple[list[Worker] | None, str]:
        _check_alive(master, "while workers were registering")
        _check_alive(worker, f"before it registered with the master {layout.master_url}")
        alive = [w for w in master_workers(layout.primary, MASTER_UI_PORT) or [] if w.state == "ALIVE"]
        registered = sorted({w.host for w in alive})
        missing = [h for h in expected if h not in registered]
        if not missing:
            return [w for w in alive if w.host in expected], ""
        return None, f"registered: {', '.join(registered) or 'none'}; missing: {', '.join(missing)}"

    workers = wait_for(
        f"{len(expected)} Spark worker(s) ({', '.join(expected)}) to register with the master {layout.master_url}",
        all_registered, timeout=layout.wait_seconds,
        hint="A missing host's own log says why it did not join (DNS, the master's port, its worker)")
    log.info("all %d workers registered: %s", len(workers),
             ", ".join(f"{w.host} ({w.cores} cores, {w.memory_mb} MiB)" for w in workers))
    assert plan.driver_memory_mb is not None
    final = {**cluster_properties(driver_host=layout.current, driver_memory_mb=plan.driver_memory_mb,
                                  workers=workers, base_dir=layout.base_dir), **properties}
    check_fits(final, workers)
    (layout.conf_dir / "spark-defaults.conf").write_text(properties_text(final), encoding="utf-8")
    log.info("spark-defaults: %s", " ".join(f"{k}={v}" for k, v in masked(final).items()))
    message_file = context.layout.message_file
    started = time.time()
    spark_submit = str(Path(_spark_home(processes.env)) / "bin" / "spark-submit")
    driver = processes.start("spark-submit", [spark_submit, "--master", layout.master_url, *submit_arguments],
                             capture=True)
    code = driver.wait()
    if code != 0:
        raise SparkAppError(request.app, exit_status(code), _own_message(message_file, started)
                            or app_error(driver.tail.lines() if driver.tail else []))
    log.info("the app finished; stopping the cluster: the other hosts' workers, then this host's, then the master")


def _run_worker(layout: ClusterLayout, plan: HostPlan, processes: Processes) -> None:
    wait_for(f"the primary host {layout.primary} to resolve in DNS",
             lambda: (resolve(layout.primary), "it does not resolve yet"), timeout=layout.wait_seconds)
    def master_up() -> tuple[bool | None, str]:
        up = port_open(layout.primary, MASTER_PORT) and port_open(layout.primary, MASTER_UI_PORT)
        return (True if up else None), f"nothing listens on ports {MASTER_PORT} and {MASTER_UI_PORT} yet"

    wait_for(f"the Spark master on {layout.primary}:{MASTER_PORT}", master_up, timeout=layout.wait_seconds,
             hint=f"{layout.primary}'s log says why it did not start one")
    worker = _start_worker(layout, plan, processes)
    misses = 0
    while misses < APP_OVER_AFTER:
        time.sleep(POLL_SECONDS)
        misses = 0 if port_open(layout.primary, APP_PORT) else misses + 1
        if misses == 0:
            _check_alive(worker, f"while the app ran on {layout.master_url}")
    log.info("%s closed its app port: the app is over; stopping this host's worker", layout.primary)


def _wait_for_workers_to_leave(layout: ClusterLayout) -> None:
    """Until no worker of another host is ALIVE in the master's status, for LEAVE_SECONDS at most."""
    deadline = time.monotonic() + LEAVE_SECONDS
    while True:
        workers = master_workers(layout.primary, MASTER_UI_PORT) or []  # None: the master is gone already
        staying = sorted({w.host for w in workers if w.state == "ALIVE" and w.host != layout.current})
        if not staying:
            return
        if time.monotonic() >= deadline:
            log.warning("stopping the master while %s still run a worker (waited %g s for them to leave)",
                        ", ".join(staying), LEAVE_SECONDS)
            return
        time.sleep(POLL_SECONDS / 2)


def _start_worker(layout: ClusterLayout, plan: HostPlan, processes: Processes) -> Process:
    return processes.start(f"the Spark worker on {layout.current}", [
        _spark_class(processes.env), "org.apache.spark.deploy.worker.Worker",
        "--host", layout.current, "--port", str(WORKER_PORT), "--webui-port", str(WORKER_UI_PORT),
        "--cores", str(plan.worker_cores), "--memory", f"{plan.worker_memory_mb}m",
        "--work-dir", str(layout.base_dir / "work"), layout.master_url])


def _check_alive(process: Process, when: str) -> None:
    code = process.poll()
    if code is not None:
        raise ClusterError(f"{process.name} exited with code {exit_status(code)} {when}; its log is above")


def _own_message(file: Path, since: float) -> str | None:
    """What an app using byoc_runtime.run wrote to /opt/ml/output/message, if it wrote it this run."""
    try:
        if file.stat().st_mtime >= since - 1:
            return file.read_text(encoding="utf-8", errors="replace").strip() or None
    except OSError:
        pass
    return None


def _spark_home(env: Mapping[str, str]) -> str:
    home = env.get("SPARK_HOME")
    if home:
        return home
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise ClusterError("SPARK_HOME is not set and pyspark is not installed: run this in the byoc/spark image")
    return str(next(iter(spec.submodule_search_locations)))


def _spark_class(env: Mapping[str, str]) -> str:
    return str(Path(_spark_home(env)) / "bin" / "spark-class")


def _wait_seconds(env: Mapping[str, str]) -> float:
    raw = env.get(WAIT_ENV)
    if raw is None:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise UsageError(f"{WAIT_ENV}={raw!r}: expected a positive number of seconds")
    return seconds
