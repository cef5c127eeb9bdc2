"""A Spark standalone cluster on this machine for tests: a master and one worker started
from pyspark's own distribution as subprocesses (each in its own process group) on free
loopback ports, the worker's work and scratch directories under a given root."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Cluster:
    master: str  # spark://127.0.0.1:PORT
    work_dir: Path  # SPARK_WORKER_DIR: executors' logs and the jars they fetched
    local_dir: Path  # SPARK_LOCAL_DIRS: executors' shuffle and spill files
    logs: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"Spark {log.stem} not ready ({text!r} not seen):\n{tail}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the process group (the worker's executors with it): TERM, then KILL."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
            return


@contextmanager
def standalone_cluster(root: Path, *, cores: int = 2, memory: str = "2g") -> Iterator[Cluster]:
    """A master and a worker that has registered with it; both stopped on exit."""
    home = _spark_home()
    cluster = Cluster(
        master=f"spark://127.0.0.1:{_free_port()}",
        work_dir=root / "worker-work",
        local_dir=root / "worker-local",
        logs=root / "logs",
    )
    for path in (cluster.work_dir, cluster.local_dir, cluster.logs):
        path.mkdir(mode=0o700, parents=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",  # web UIs and RPC on loopback only
        "SPARK_WORKER_DIR": str(cluster.work_dir),
        "SPARK_LOCAL_DIRS": str(cluster.local_dir),
        "SPARK_LOG_DIR": str(cluster.logs),
    }
    spark_class = str(home / "bin" / "spark-class")
    port = cluster.master.rsplit(":", 1)[1]
    commands = {
        "master": [spark_class, "org.apache.spark.deploy.master.Master", "--host",
                   "127.0.0.1", "--port", port, "--webui-port", str(_free_port())],
        "worker": [spark_class, "org.apache.spark.deploy.worker.Worker", cluster.master,
                   "--host", "127.0.0.1", "--webui-port", str(_free_port()),
                   "--cores", str(cores), "--memory", memory],
    }  # fmt: skip
    ready = {"master": "I have been elected leader", "worker": "Successfully registered"}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, cmd in commands.items():
            log = cluster.logs / f"{name}.log"
            with log.open("wb") as fh:
                # Its own process group: the worker's executors are stopped with it.
                proc = subprocess.Popen(
                    cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True
                )
            procs.append(proc)
            _wait_for(log, ready[name], proc, timeout=180)
        yield cluster
    finally:
        for proc in reversed(procs):
            _stop(proc)
