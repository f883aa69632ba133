#!/usr/bin/python3
"""Levqor vs the peer stack (Flask + Gunicorn + psycopg2 + RQ), measured side by side in one run.

Run through `make bench` (bench/bench.sh installs the Debian packages and builds the jar first).
Everything listens on 127.0.0.1 only, every load is bounded in time or count, and every process
started here is stopped at the end (also on Ctrl-C / SIGTERM). Nothing in ../shared is written.

Knobs (environment):
  BENCH_SECTIONS   comma list of sections to run (default: the side-by-side sections
                   coldstart,uptime,status,rq,intake,e2e,pickup); `backup` runs only when named, e.g.
                   BENCH_SECTIONS=backup (needs only Postgres 15, not the peer); so does `scaleout`
                   (Postgres 15 and redis-server, not the peer)
  SCALEOUT_JOBS    scaleout: jobs in the backlog each run drains (default 50000), submitted through
                   POST /api/v1/intake/batch to a `serve` with WORKER_CONCURRENCY=0 before any worker starts
  SCALEOUT_WORKERS worker process counts measured (default "1 2"), each run on a fresh database
  SCALEOUT_REPEATS runs per worker count, the counts interleaved (order reversed every other round);
                   medians reported (default 3)
  SCALEOUT_DELAY_MS 0 (default): echo jobs; N > 0: `delay` jobs that sleep N ms (I/O-bound work)
  SCALEOUT_WORKER_ENV extra env for the `levqor worker` processes, "K=V K=V" (e.g. WORKER_CONCURRENCY=32)
  SCALEOUT_DRAIN_TIMEOUT seconds a run may take to drain its backlog (default 600)
  BACKUP_BENCH_JOBS    jobs in the database that the backup section backs up (default 1000000)
  BACKUP_BENCH_REPEATS runs of each of the four commands, interleaved, medians reported (default 3)
  COLD_RUNS        cold starts per variant, median reported (default 3)
  WRK_DURATION     seconds per measured wrk run (default 10)
  WRK_WARMUP       warm-up seconds of the peer before its measured runs (default 10)
  LEVQOR_WARMUP    warm-up seconds of each Levqor instance before its measured runs (default 30: the
                   JVM's JIT needs about a minute of load on 2 cores; when only WRK_WARMUP is set, it
                   applies to Levqor too). Used by uptime, status and intake (each target), and by e2e for an
                   instance that has not had that load yet (the sync instance; the async one when
                   the intake section did not run), split between the batch and single-job paths
  WRK_THREADS      wrk -t (default 2); WRK_CONNS connection counts (default "32 64")
  WRK_REPEATS      measured runs per target and connection count, Levqor and peer interleaved;
                   medians reported (default 3)
  PEER_WORKERS     gunicorn -w for the Flask peer (default 4)
  RQ_JOBS          jobs for RQ SimpleWorker (default 5000); RQ_FORK_JOBS for the forking Worker
                   (default 1000, 0 skips it)
  E2E_JOBS         jobs submitted per end-to-end run (default 100000), at most E2E_SECONDS of intake
                   (default 20), then at most E2E_DRAIN_TIMEOUT seconds (300) waiting for the queue to drain;
                   two runs per mode: batches (POST /api/v1/intake/batch, bench/intake_batch.lua) and
                   single-job requests (POST /api/v1/intake, bench/intake_n.lua)
  E2E_BATCH        jobs per batch request in the e2e batch run (default 100; the endpoint takes 1..1000)
  E2E_CONNS        wrk connections of the e2e runs (default 64)
  E2E_MODES        queue modes measured by e2e and pickup (default "async sync")
  E2E_KINDS        e2e runs per mode (default "batch single")
  PICKUP_JOBS      jobs submitted one by one for pickup latency (default 1000) at PICKUP_RATE/s (50; gaps
                   drawn uniformly between 0.5 and 1.5 times the mean, seeded), for at most PICKUP_SECONDS
                   (30); first PICKUP_WARMUP jobs (default 2000, 0: none) are sent back to back and not
                   measured, then, with PICKUP_SETTLE=1 (default), CHECKPOINT and VACUUM ANALYZE of the
                   instance's database (external Postgres only) before the measured jobs
  LEVQOR_DB        database of the Levqor instance under load: external (default: the same
                   throw-away Postgres as the peer) or embedded
  LEVQOR_JAVA_OPTS extra JVM options of every Levqor started here, after the launcher's defaults (default
                   none: every Levqor runs as the docs say, `bin/levqor serve`, with its 128 MiB heap,
                   bounded metaspace and code cache, and the class-data sharing archive, which the
                   bench rebuilds for the jar under test with build/cds-archive.sh first)
  LEVQOR_LAUNCHER  the launcher (default bin/levqor)
  LEVQOR_BENCH_ENV extra env for Levqor under load, "K=V K=V" (added after the defaults below)
  LEVQOR_JAR       the jar under test (default target/levqor.jar, built by bench.sh), e.g. an older
                   build for an A/B against the same harness
  PEERS_DIR        the peer scripts (default ../shared/peers next to the repo)
  PG_BIN           Postgres 15 binaries (default /usr/lib/postgresql/15/bin)
"""
import datetime
import http.client
import json
import math
import os
import platform
import pwd
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(ROOT, "bench")
JAR = os.environ.get("LEVQOR_JAR") or os.path.join(ROOT, "target", "levqor.jar")
PEERS = os.environ.get("PEERS_DIR", os.path.join(os.path.dirname(ROOT), "shared", "peers"))
PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
PY = "/usr/bin/python3"

SECTIONS = [s.strip() for s in os.environ.get(
    "BENCH_SECTIONS", "coldstart,uptime,status,rq,intake,e2e,pickup").split(",") if s.strip()]
COLD_RUNS = int(os.environ.get("COLD_RUNS", "3"))
WRK_DURATION = int(os.environ.get("WRK_DURATION", "10"))
WRK_WARMUP = int(os.environ.get("WRK_WARMUP", "10"))
LEVQOR_WARMUP = int(os.environ.get("LEVQOR_WARMUP", os.environ.get("WRK_WARMUP", "30")))
LEVQOR_JAVA_OPTS = os.environ.get("LEVQOR_JAVA_OPTS", "")
LAUNCHER = os.environ.get("LEVQOR_LAUNCHER") or os.path.join(ROOT, "bin", "levqor")
WRK_THREADS = int(os.environ.get("WRK_THREADS", "2"))
WRK_CONNS = [int(c) for c in os.environ.get("WRK_CONNS", "32 64").split()]
WRK_REPEATS = int(os.environ.get("WRK_REPEATS", "3"))
PEER_WORKERS = int(os.environ.get("PEER_WORKERS", "4"))
RQ_JOBS = int(os.environ.get("RQ_JOBS", "5000"))
RQ_FORK_JOBS = int(os.environ.get("RQ_FORK_JOBS", "1000"))
E2E_JOBS = int(os.environ.get("E2E_JOBS", "100000"))
E2E_SECONDS = int(os.environ.get("E2E_SECONDS", "20"))
E2E_DRAIN_TIMEOUT = int(os.environ.get("E2E_DRAIN_TIMEOUT", "300"))
E2E_BATCH = int(os.environ.get("E2E_BATCH", "100"))
E2E_CONNS = int(os.environ.get("E2E_CONNS", "64"))
E2E_MODES = os.environ.get("E2E_MODES", "async sync").split()
E2E_KINDS = os.environ.get("E2E_KINDS", "batch single").split()
PICKUP_JOBS = int(os.environ.get("PICKUP_JOBS", "1000"))
PICKUP_RATE = float(os.environ.get("PICKUP_RATE", "50"))
PICKUP_SECONDS = float(os.environ.get("PICKUP_SECONDS", "30"))
PICKUP_WARMUP = int(os.environ.get("PICKUP_WARMUP", "2000"))
PICKUP_SETTLE = os.environ.get("PICKUP_SETTLE", "1") == "1"
LEVQOR_DB = os.environ.get("LEVQOR_DB", "external")
BACKUP_BENCH_JOBS = int(os.environ.get("BACKUP_BENCH_JOBS", "1000000"))
BACKUP_BENCH_REPEATS = int(os.environ.get("BACKUP_BENCH_REPEATS", "3"))
SCALEOUT_JOBS = int(os.environ.get("SCALEOUT_JOBS", "50000"))
SCALEOUT_WORKERS = [int(n) for n in os.environ.get("SCALEOUT_WORKERS", "1 2").split()]
SCALEOUT_REPEATS = int(os.environ.get("SCALEOUT_REPEATS", "3"))
SCALEOUT_DELAY_MS = int(os.environ.get("SCALEOUT_DELAY_MS", "0"))
SCALEOUT_DRAIN_TIMEOUT = int(os.environ.get("SCALEOUT_DRAIN_TIMEOUT", "600"))
SCALEOUT_WORKER_ENV = dict(kv.partition("=")[::2] for kv in os.environ.get("SCALEOUT_WORKER_ENV", "").split())
PEER_SECTIONS = ("coldstart", "uptime", "rq", "intake", "e2e", "pickup")
START_TIMEOUT = 120

ADMIN_KEY = "bench-admin-key-0123456789abcdef"
# Limits off for load runs: the bench measures the engine, not the plan limits.
LEVQOR_LOAD_ENV = {
    "RATELIMIT_ENABLED": "false",
    "ABUSE_GUARDS_ENABLED": "false",
    "BUDGET_PRO_UNITS_PER_DAY": "1000000000",
    "BUDGET_FREE_UNITS_PER_DAY": "1000000000",
}
for kv in os.environ.get("LEVQOR_BENCH_ENV", "").split():
    k, _, v = kv.partition("=")
    LEVQOR_LOAD_ENV[k] = v

INTAKE_BODY = {"workflow": "echo", "payload": {"x": 1}, "priority": "normal"}
SKIP_INTAKE = "SKIPPED: /api/v1/intake not available (issue 3 not merged)"

# ---------------------------------------------------------------------------------------------
# process bookkeeping: every group/data dir started here is listed in BENCH_PIDFILE for bench.sh


class Procs:
    def __init__(self):
        self.groups = {}      # pgid -> (name, Popen)
        self.pgdata = {}      # data dir -> runas user (or None)
        self.pidfile = os.environ.get("BENCH_PIDFILE")

    def _write(self):
        if not self.pidfile:
            return
        with open(self.pidfile, "w") as f:
            for g in self.groups:
                f.write(f"group {g}\n")
            for d in self.pgdata:
                f.write(f"pgdata {d}\n")

    def spawn(self, name, args, env=None, cwd=None, log=None):
        out = open(log, "ab") if log else subprocess.DEVNULL
        p = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        self.groups[p.pid] = (name, p)
        self._write()
        return p

    def stop(self, p, timeout=30):
        """SIGTERM the group, wait, then SIGKILL; returns the exit code."""
        if p.pid not in self.groups:
            return p.poll()
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"  {self.groups[p.pid][0]} did not stop in {timeout}s: SIGKILL")
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(10)
        # children that outlived the leader (gunicorn workers, ...)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        del self.groups[p.pid]
        self._write()
        return p.returncode

    def add_pgdata(self, d):
        self.pgdata[d] = True
        self._write()

    def stop_pgdata(self, d):
        """Stops a postmaster left running on a data dir (embedded Postgres whose JVM died)."""
        pid = postmaster_pid(d)
        if pid:
            log(f"  stopping leftover postmaster {pid} on {d}")
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            for _ in range(100):
                if not pid_alive(pid):
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.pgdata.pop(d, None)
        self._write()

    def stop_all(self):
        for g, (name, p) in list(self.groups.items()):
            self.stop(p, timeout=20)
        for d in list(self.pgdata):
            self.stop_pgdata(d)


PROCS = Procs()
OUT = None
LOGF = None


def log(msg):
    line = f"[{datetime.datetime.utcnow():%H:%M:%S}] {msg}"
    print(line, flush=True)
    if LOGF:
        LOGF.write(line + "\n")
        LOGF.flush()


def postmaster_pid(d):
    try:
        with open(os.path.join(d, "postmaster.pid")) as f:
            pid = int(f.readline().strip())
        return pid if pid_alive(pid) else None
    except (OSError, ValueError):
        return None


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------------------------------------
# HTTP helpers (stdlib only)


def http_req(port, method, path, body=None, headers=None, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        try:
            js = json.loads(raw) if raw else None
        except ValueError:
            js = None
        return r.status, js
    finally:
        c.close()


def wait_200(port, path, proc, t0, timeout=START_TIMEOUT):
    """Polls every 5 ms until `path` answers 200; returns seconds since t0 (monotonic)."""
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before answering 200")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                return time.monotonic() - t0
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.005)
    raise RuntimeError(f"no 200 from {path} within {timeout}s")


# ---------------------------------------------------------------------------------------------
# memory


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def group_pids(pgid):
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.getpgid(int(d)) == pgid:
                    pids.append(int(d))
            except OSError:
                pass
    return pids


class RssSampler(threading.Thread):
    """Samples the summed VmRSS of a set of pids (re-listed each time) every 250 ms; keeps the peak."""

    def __init__(self, pids_fn):
        super().__init__(daemon=True)
        self.pids_fn = pids_fn
        self.peak = 0
        self.stop_evt = threading.Event()

    def run(self):
        while not self.stop_evt.is_set():
            self.peak = max(self.peak, sum(rss_kib(p) for p in self.pids_fn()))
            self.stop_evt.wait(0.25)

    def finish(self):
        self.stop_evt.set()
        self.join()
        return self.peak


# ---------------------------------------------------------------------------------------------
# wrk

_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * _UNIT[m.group(2)] if m else None


def _wrk_until_limit(args, env, seconds):
    """Runs wrk with bench/intake_n.lua or bench/intake_batch.lua: once every thread printed
    BENCH-LIMIT, SIGINT ends it (wrk then prints its summary for the real elapsed time)."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines, hits = [], 0
    killer = threading.Timer(seconds + 60, p.kill)
    killer.start()
    try:
        for line in p.stdout:
            lines.append(line)
            if line.startswith("BENCH-LIMIT"):
                hits += 1
                if hits == WRK_THREADS:
                    p.send_signal(signal.SIGINT)
        p.wait()
    finally:
        killer.cancel()
    return "".join(lines)


def wrk(url, conns, seconds, script=None, env=None, tag="wrk", timeout=None, headers=()):
    args = ["wrk", f"-t{WRK_THREADS}", f"-c{conns}", f"-d{seconds}s", "--latency"]
    for h in headers:
        args += ["-H", h]
    if timeout:
        args += ["--timeout", f"{timeout}s"]
    if script:
        args += ["-s", script]
    args.append(url)
    cmd = " ".join(args)
    if script and script.endswith(("intake_n.lua", "intake_batch.lua")):
        out = _wrk_until_limit(args, env, seconds)
    else:
        out = subprocess.run(args, capture_output=True, text=True, env=env,
                             timeout=seconds + 60).stdout
    with open(os.path.join(OUT, f"{tag}.txt"), "w") as f:
        f.write(f"$ {cmd}\n{out}")
    res = {"cmd": cmd, "rps": None, "p50": None, "p99": None, "requests": 0, "non2xx": 0, "errors": ""}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        if m:
            res[key] = _ms(m.group(1))
    m = re.search(r"(\d+) requests in", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: (.*)", out)
    if m:
        res["errors"] = m.group(1)
    res["limit_hits"] = len(re.findall(r"^BENCH-LIMIT", out, re.M))
    m = re.search(r"^BENCH-TOTAL (.*)$", out, re.M)   # bench/intake_batch.lua's totals
    if m:
        res["batch"] = {k: (int(v) if v.isdigit() else v)
                        for k, v in re.findall(r"(\w+)=(\S+)", m.group(1))}
    return res


# ---------------------------------------------------------------------------------------------
# services: throw-away Postgres, redis-server, Flask peer, Levqor


class Postgres:
    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "peer-pg")
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
                self.user = "postgres"
            except KeyError:
                run(["useradd", "--system", "--no-create-home", "levqorbench"])
                self.user = "levqorbench"

    def _as(self, args):
        return (["runuser", "-u", self.user, "--"] + args) if self.user else args

    def start(self):
        os.makedirs(self.dir)
        if self.user:
            shutil.chown(self.dir, self.user)
        run(self._as([f"{PG_BIN}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--no-sync"]))
        PROCS.add_pgdata(self.dir)
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
                f"-c max_connections=300 -c shared_buffers=256MB")
        run(self._as([f"{PG_BIN}/pg_ctl", "-D", self.dir, "-l", os.path.join(self.dir, "server.log"),
                      "-o", opts, "-w", "-t", "60", "start"]))
        self.sql("create table peer_jobs(id text primary key, workflow text, payload jsonb, "
                 "priority text, status text, created_at timestamptz default now())")
        self.sql("create database levqor")
        log(f"throw-away Postgres 15 on 127.0.0.1:{self.port} (default durability: fsync on, "
            f"synchronous_commit on)")

    def sql(self, q, db="postgres"):
        return run([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                    "-d", db, "-v", "ON_ERROR_STOP=1", "-Atc", q]).stdout.strip()

    def stop(self):
        if postmaster_pid(self.dir):
            subprocess.run(self._as([f"{PG_BIN}/pg_ctl", "-D", self.dir, "-m", "fast", "-w",
                                     "-t", "30", "stop"]), capture_output=True)
        PROCS.stop_pgdata(self.dir)


class Redis:
    def __init__(self, tmp):
        self.port = 6379 if port_free(6379) else free_port()
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir)
        self.proc = None

    def start(self):
        self.proc = PROCS.spawn("redis-server", [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"],
            log=os.path.join(OUT, "redis.log"))
        t0 = time.monotonic()
        while time.monotonic() - t0 < 20:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        log(f"redis-server on 127.0.0.1:{self.port} (no persistence)")
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING")


def peer_cmd(port):
    return ["gunicorn", "-w", str(PEER_WORKERS), "-b", f"127.0.0.1:{port}",
            "--pythonpath", PEERS, "flask_peer:app"]


def start_peer(pg, redis, tag):
    port = free_port()
    env = dict(os.environ, PGPORT=str(pg.port), REDIS_PORT=str(redis.port),
               PYTHONDONTWRITEBYTECODE="1")
    t0 = time.monotonic()
    p = PROCS.spawn("gunicorn", peer_cmd(port), env=env, cwd=OUT,
                    log=os.path.join(OUT, f"{tag}.log"))
    secs = wait_200(port, "/ops/uptime", p, t0)
    return p, port, secs


# the variables Levqor reads that must not leak in from the caller's shell
_LEVQOR_ENV_PREFIXES = ("PG", "DATABASE_URL", "REDIS_URL", "LEVQOR_", "EMBEDDED_PG", "NEW_QUEUE",
                        "RATELIMIT", "BUDGET_", "WORKER_", "DB_", "HTTP_", "PORT", "HOST",
                        "ADMIN_KEY", "LOG_DIR", "SENTRY")


def levqor_env(port, data_dir=None, database_url=None, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LEVQOR_ENV_PREFIXES)}
    env.update(PORT=str(port), HOST="127.0.0.1", ADMIN_KEY=ADMIN_KEY, SHUTDOWN_DRAIN_MS="0",
               LOG_DIR=os.path.join(OUT, "levqor-logs"))
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["LEVQOR_DATA_DIR"] = data_dir
    env.update(extra or {})
    return launcher_env(env)


def java_opts_text():
    launched = subprocess.run([LAUNCHER, "serve"], env=launcher_env(dict(os.environ, LEVQOR_PRINT_COMMAND="1")),
                              capture_output=True, text=True).stdout.strip()
    return f"the launcher's (`bin/levqor serve` runs `{launched}`)"


def launcher_env(env):
    """What every Levqor started here gets: the jar under test and the extra JVM options, if any."""
    return dict(env, LEVQOR_JAR=JAR, LEVQOR_JAVA_OPTS=LEVQOR_JAVA_OPTS)


def levqor_cmd():
    return [LAUNCHER, "serve"]


def start_levqor(tag, data_dir=None, database_url=None, extra=None):
    port = free_port()
    env = levqor_env(port, data_dir, database_url, extra)
    if data_dir:
        PROCS.add_pgdata(data_dir)
    t0 = time.monotonic()
    p = PROCS.spawn("levqor", levqor_cmd(), env=env, cwd=OUT, log=os.path.join(OUT, f"{tag}.log"))
    try:
        secs = wait_200(port, "/ops/uptime", p, t0)
    except RuntimeError as e:
        raise RuntimeError(f"Levqor ({tag}) failed to start: {e}; see {OUT}/{tag}.log")
    return p, port, secs


def stop_levqor(p, data_dir=None):
    rc = PROCS.stop(p, timeout=40)
    if data_dir:
        PROCS.stop_pgdata(data_dir)
    return rc


# ---------------------------------------------------------------------------------------------
# results


class Results:
    def __init__(self):
        self.md = []
        self.data = {}

    def h(self, title):
        self.md.append(f"\n## {title}\n")

    def line(self, s):
        self.md.append(s)
        log(s)

    def table(self, header, rows):
        self.md.append("| " + " | ".join(header) + " |")
        self.md.append("|" + "---|" * len(header))
        for r in rows:
            self.md.append("| " + " | ".join(str(c) for c in r) + " |")
        self.md.append("")
        for r in rows:
            log("  " + " | ".join(str(c) for c in r))

    def save(self):
        with open(os.path.join(OUT, "results.md"), "w") as f:
            f.write("\n".join(self.md) + "\n")
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(self.data, f, indent=2)


R = Results()


def fmt(v, nd=0):
    if v is None:
        return "n/a"
    return f"{v:,.{nd}f}"


def ratio(a, b, nd=2):
    if not a or not b:
        return "n/a"
    return f"{a / b:.{nd}f}×"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine_facts():
    facts = {
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "loadavg_start": loadavg(),
        "cpu": "",
        "mem": "",
        "kernel": platform.release(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            facts["cpu"] = m.group(1) if m else ""
        with open("/proc/meminfo") as f:
            facts["mem"] = f"{int(f.readline().split()[1]) / 1048576:.1f} GiB"
    except OSError:
        pass

    def ver(args):
        try:
            r = subprocess.run(args, capture_output=True, text=True, timeout=20)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except Exception:
            return "?"
    facts["java"] = ver(["java", "-version"])
    facts["gunicorn"] = ver(["gunicorn", "--version"])
    facts["postgres"] = ver([f"{PG_BIN}/postgres", "--version"])
    facts["redis"] = ver(["redis-server", "--version"])
    facts["wrk"] = ver(["wrk", "--version"])
    facts["python_pkgs"] = ver([PY, "-c", "import flask, rq, redis, psycopg2, importlib.metadata as m;"
                                "print('flask', m.version('flask'), 'rq', rq.__version__, 'redis-py', "
                                "redis.__version__, 'psycopg2', psycopg2.__version__.split()[0])"])
    try:
        facts["commit"] = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).stdout.strip()
    except Exception:
        facts["commit"] = "?"
    return facts


# ---------------------------------------------------------------------------------------------
# sections


def section_coldstart(tmp, pg, redis):
    R.h("Cold start: process start → first 200 from GET /ops/uptime")
    R.line(f"Median of {COLD_RUNS} runs each; the time from spawning the process to the first 200 "
           f"(polled every 5 ms).")
    rows = []
    res = {}

    # embedded, fresh data dir each run (initdb + migrations included)
    fresh = []
    keep_dir = None
    for i in range(COLD_RUNS):
        d = os.path.join(tmp, f"lvq-fresh-{i}")
        p, port, s = start_levqor(f"levqor-cold-fresh-{i}", data_dir=d)
        stop_levqor(p, d)
        fresh.append(s)
        keep_dir = d
        log(f"  levqor embedded fresh #{i}: {s:.2f}s")
    res["levqor_embedded_fresh"] = fresh
    # embedded, existing data dir
    existing = []
    for i in range(COLD_RUNS):
        p, port, s = start_levqor(f"levqor-cold-existing-{i}", data_dir=keep_dir)
        stop_levqor(p, keep_dir)
        existing.append(s)
        log(f"  levqor embedded existing #{i}: {s:.2f}s")
    res["levqor_embedded_existing"] = existing
    # external Postgres (database already migrated by a first, unmeasured run)
    url = f"postgres://postgres@127.0.0.1:{pg.port}/levqor"
    p, port, first = start_levqor("levqor-cold-external-migrate", database_url=url)
    stop_levqor(p)
    log(f"  levqor external first run (applies migrations, not in median): {first:.2f}s")
    external = []
    for i in range(COLD_RUNS):
        p, port, s = start_levqor(f"levqor-cold-external-{i}", database_url=url)
        stop_levqor(p)
        external.append(s)
        log(f"  levqor external #{i}: {s:.2f}s")
    res["levqor_external"] = external
    res["levqor_external_first_migrating"] = first
    # peer
    peer = []
    for i in range(COLD_RUNS):
        p, port, s = start_peer(pg, redis, f"peer-cold-{i}")
        PROCS.stop(p)
        peer.append(s)
        log(f"  flask peer #{i}: {s:.2f}s")
    res["peer"] = peer
    pm = statistics.median(peer)

    def row(name, xs):
        m = statistics.median(xs)
        return [name, f"{m:.2f} s", " / ".join(f"{x:.2f}" for x in xs), f"{pm:.2f} s", ratio(m, pm)]
    rows = [row("Levqor, embedded Postgres, fresh data dir", fresh),
            row("Levqor, embedded Postgres, existing data dir", existing),
            row("Levqor, external Postgres (DATABASE_URL)", external)]
    R.table(["variant", "Levqor median", "runs (s)", f"Flask peer (gunicorn -w {PEER_WORKERS}) median",
             "ratio Levqor/peer (lower is better)"], rows)
    R.line(f"Flask peer runs (s): {' / '.join(f'{x:.2f}' for x in peer)}; Levqor external first run "
           f"(migrations applied): {first:.2f} s.")
    R.line("Commands: `PORT=<p> ADMIN_KEY=… LEVQOR_DATA_DIR=<new or existing dir> bin/levqor serve`; "
           "`PORT=<p> ADMIN_KEY=… DATABASE_URL=postgres://postgres@127.0.0.1:<pg>/levqor bin/levqor serve` "
           f"(JVM options: {java_opts_text()}); `PGPORT=<pg> REDIS_PORT=<r> {' '.join(peer_cmd('<p>'))}`.")
    R.data["coldstart"] = res


def agg(runs):
    """Median req/s, p50 and p99 over repeated runs; summed counts; peak RSS."""
    med = lambda k: statistics.median([r[k] for r in runs if r[k] is not None] or [0]) or None
    return {"rps": med("rps"), "p50": med("p50"), "p99": med("p99"),
            "rps_runs": [r["rps"] for r in runs], "p99_runs": [r["p99"] for r in runs],
            "requests": sum(r["requests"] for r in runs), "non2xx": sum(r["non2xx"] for r in runs),
            "rss_peak_kib": max(r["rss_peak_kib"] for r in runs), "cmd": runs[0]["cmd"],
            "errors": "; ".join(r["errors"] for r in runs if r["errors"])}


def load_run(name, url, pids_fn, conns, script=None, env=None, rep=0, headers=()):
    sampler = RssSampler(pids_fn)
    sampler.start()
    r = wrk(url, conns, WRK_DURATION, script=script, env=env, tag=f"wrk-{name}-c{conns}-{rep}", headers=headers)
    r["rss_peak_kib"] = sampler.finish()
    log(f"  {name} c{conns}: {fmt(r['rps'])} req/s, p50 {fmt(r['p50'], 2)} ms, p99 {fmt(r['p99'], 2)} ms, "
        f"non-2xx {r['non2xx']}, rss peak {r['rss_peak_kib'] // 1024} MiB {r['errors']}")
    return r


def section_uptime(lvq, peer):
    R.h("GET /ops/uptime throughput and latency (wrk), and resident memory")
    lp, lport = lvq
    pp, pport = peer
    lvq_pids = lambda: [lp.pid]                       # the JVM (its Postgres is counted separately)
    peer_pids = lambda: group_pids(pp.pid)            # gunicorn master + workers
    idle_l = rss_kib(lp.pid)
    idle_p = sum(rss_kib(x) for x in peer_pids())
    # warm-up (JIT for Levqor, LEVQOR_WARMUP; the peer gets WRK_WARMUP)
    wrk(f"http://127.0.0.1:{lport}/ops/uptime", WRK_CONNS[0], LEVQOR_WARMUP, tag="wrk-warmup-levqor-uptime")
    wrk(f"http://127.0.0.1:{pport}/ops/uptime", WRK_CONNS[0], WRK_WARMUP, tag="wrk-warmup-peer-uptime")
    rows = []
    res = {"idle_rss_kib": {"levqor": idle_l, "peer": idle_p}, "runs": {}}
    peak_l = peak_p = 0
    for c in WRK_CONNS:
        la, pb = [], []
        for i in range(WRK_REPEATS):
            la.append(load_run("levqor-uptime", f"http://127.0.0.1:{lport}/ops/uptime", lvq_pids, c, rep=i))
            pb.append(load_run("peer-uptime", f"http://127.0.0.1:{pport}/ops/uptime", peer_pids, c, rep=i))
        a, b = agg(la), agg(pb)
        peak_l = max(peak_l, a["rss_peak_kib"])
        peak_p = max(peak_p, b["rss_peak_kib"])
        res["runs"][c] = {"levqor": a, "peer": b}
        rows.append([c, fmt(a["rps"]), fmt(b["rps"]), ratio(a["rps"], b["rps"]),
                     f"{fmt(a['p50'], 2)} / {fmt(a['p99'], 2)}", f"{fmt(b['p50'], 2)} / {fmt(b['p99'], 2)}",
                     ratio(a["p99"], b["p99"]), f"{a['non2xx']} / {b['non2xx']}"])
    R.table(["connections", "Levqor req/s", "peer req/s", "ratio (higher better)",
             "Levqor p50 / p99 ms", "peer p50 / p99 ms", "p99 ratio (lower better)", "non-2xx L / P"], rows)
    R.line(f"Commands: `{re.sub(r':[0-9]+/', ':<port>/', res['runs'][WRK_CONNS[0]]['levqor']['cmd'])}` "
           f"(Levqor and the peer, each on its port, 32 and 64 connections); medians of {WRK_REPEATS} "
           f"interleaved runs of {WRK_DURATION}s (req/s of each run: see results.json); "
           f"one warm-up run each before measuring: {LEVQOR_WARMUP}s Levqor, {WRK_WARMUP}s peer.")
    res["load_rss_peak_kib"] = {"levqor": peak_l, "peer": peak_p}
    R.data["uptime"] = res
    R.h("Resident memory (VmRSS from /proc/<pid>/status)")
    R.table(["state", "Levqor JVM", f"Flask peer (sum of gunicorn master + {PEER_WORKERS} workers)",
             "ratio Levqor/peer"],
            [["idle (after start)", f"{idle_l // 1024} MiB", f"{idle_p // 1024} MiB", ratio(idle_l, idle_p)],
             ["peak under /ops/uptime load", f"{peak_l // 1024} MiB", f"{peak_p // 1024} MiB",
              ratio(peak_l, peak_p)]])
    R.line(f"Levqor's JVM options: {java_opts_text()}; Postgres and Redis processes are not counted on "
           "either side.")


# The status page's goal (issue 14): /status.json and /status at >= 5x the peer's /ops/uptime req/s,
# with a lower p99, in the same run.
STATUS_GOAL_RATIO = 5.0


def section_status(lvq, peer):
    R.h("Public status page: GET /status.json and /status beside the peer's GET /ops/uptime (wrk)")
    lp, lport = lvq
    pp, pport = peer
    # A page with something on it: one open incident with two updates, one maintenance window ahead.
    auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
    st, js = http_req(lport, "POST", "/ops/incidents", {"template": "major", "components": ["payments", "email"]}, auth)
    if st != 201:
        raise RuntimeError(f"POST /ops/incidents answered {st} {js}")
    http_req(lport, "POST", f"/ops/incidents/{js['id']}/updates",
             {"status": "monitoring", "message": "A fix is deployed; confirmations are going out again."}, auth)
    start = (datetime.datetime.utcnow() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT02:00:00Z")
    end = (datetime.datetime.utcnow() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT03:00:00Z")
    http_req(lport, "POST", "/ops/maintenance", {"title": "Database upgrade", "components": ["database"],
                                                 "starts_at": start, "ends_at": end, "message": "Bench window."}, auth)
    time.sleep(1)
    sizes = {}
    for path, headers in (("/status.json", {}), ("/status", {}), ("/status", {"Accept-Encoding": "gzip"})):
        c = http.client.HTTPConnection("127.0.0.1", lport, timeout=5)
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status != 200:
            raise RuntimeError(f"GET {path} answered {r.status}")
        sizes[(path, bool(headers))] = len(body)
    targets = [
        ("levqor-status-json", f"http://127.0.0.1:{lport}/status.json", (), "Levqor GET /status.json"),
        ("levqor-status-html", f"http://127.0.0.1:{lport}/status", (), "Levqor GET /status"),
        ("levqor-status-gzip", f"http://127.0.0.1:{lport}/status", ("Accept-Encoding: gzip",),
         "Levqor GET /status, Accept-Encoding: gzip"),
    ]
    peer_url = f"http://127.0.0.1:{pport}/ops/uptime"
    for tag, url, headers, _ in targets:
        wrk(url, WRK_CONNS[0], LEVQOR_WARMUP, tag=f"wrk-warmup-{tag}", headers=headers)
    wrk(peer_url, WRK_CONNS[0], WRK_WARMUP, tag="wrk-warmup-peer-uptime-status")
    lvq_pids = lambda: [lp.pid]
    peer_pids = lambda: group_pids(pp.pid)
    res = {"sizes_bytes": {f"{p}{' gzip' if g else ''}": n for (p, g), n in sizes.items()}, "runs": {}}
    rows = []
    verdicts = []
    for c in WRK_CONNS:
        runs = {tag: [] for tag, _, _, _ in targets}
        peer_runs = []
        for i in range(WRK_REPEATS):
            for tag, url, headers, _ in targets:
                runs[tag].append(load_run(tag, url, lvq_pids, c, rep=i, headers=headers))
            peer_runs.append(load_run("peer-uptime-status", peer_url, peer_pids, c, rep=i))
        b = agg(peer_runs)
        res["runs"][c] = {"peer_uptime": b}
        for tag, _, _, label in targets:
            a = agg(runs[tag])
            res["runs"][c][tag] = a
            met = bool(a["rps"] and b["rps"] and a["p99"] is not None and b["p99"] is not None
                       and a["rps"] >= STATUS_GOAL_RATIO * b["rps"] and a["p99"] < b["p99"])
            if tag != "levqor-status-gzip":
                verdicts.append(met)
            rows.append([c, label, fmt(a["rps"]), fmt(b["rps"]), ratio(a["rps"], b["rps"]),
                         f"{fmt(a['p50'], 2)} / {fmt(a['p99'], 2)}", f"{fmt(b['p50'], 2)} / {fmt(b['p99'], 2)}",
                         ratio(a["p99"], b["p99"]), f"{a['non2xx']} / {b['non2xx']}",
                         "(information)" if tag == "levqor-status-gzip" else "met" if met else "not met"])
    R.table(["connections", "Levqor target", "Levqor req/s", "peer /ops/uptime req/s", "ratio (goal >= 5x)",
             "Levqor p50 / p99 ms", "peer p50 / p99 ms", "p99 ratio (goal < 1)", "non-2xx L / P",
             "goal"], rows)
    R.line(f"Goal (issue 14): /status.json and /status at >= {STATUS_GOAL_RATIO:g}x the peer's /ops/uptime req/s "
           f"with a lower p99, at every connection count: {'met' if verdicts and all(verdicts) else 'not met'}. "
           "The gzip row is for information (browsers ask for gzip; wrk does not unless told).")
    R.line("Answer sizes: " + ", ".join(f"{k} {v:,} B" for k, v in res["sizes_bytes"].items())
           + ". The page held one open incident with two updates and one maintenance window ahead.")
    R.line(f"Commands: `wrk -t{WRK_THREADS} -c<{'|'.join(str(c) for c in WRK_CONNS)}> -d{WRK_DURATION}s --latency "
           f"[-H 'Accept-Encoding: gzip'] "
           f"http://127.0.0.1:<port>/status[.json]` and the same against the peer's /ops/uptime; medians of "
           f"{WRK_REPEATS} interleaved runs; warm-up {LEVQOR_WARMUP}s per Levqor target, {WRK_WARMUP}s peer. "
           "Levqor runs with RATELIMIT_ENABLED=false like every load section (public routes are otherwise "
           "limited per IP).")
    R.data["status"] = res


def section_rq(redis):
    R.h("RQ itself (the peer's worker)")
    rows = []
    res = {}
    for kind, n in (("simple", RQ_JOBS), ("fork", RQ_FORK_JOBS)):
        if n <= 0:
            continue
        args = [PY, os.path.join(BENCH_DIR, "rq_bench.py"), str(n), kind, str(redis.port)]
        cmd = " ".join(args)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PEERS_DIR=PEERS)
        out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=OUT,
                             timeout=max(120, n)).stdout.strip()
        log(f"  {cmd}: {out}")
        m = re.search(r"enqueue (\d+) jobs/s, process (\d+) jobs/s, finished=(\d+)", out)
        if m:
            res[kind] = {"enqueue": int(m.group(1)), "process": int(m.group(2)), "finished": int(m.group(3))}
            rows.append([f"RQ {'SimpleWorker' if kind == 'simple' else 'Worker (fork per job)'}", n,
                         m.group(1), m.group(2), m.group(3)])
        else:
            rows.append([f"RQ {kind}", n, "failed", out[-200:], ""])
    R.table(["worker", "jobs", "enqueue jobs/s (1 client)", "process jobs/s (1 burst worker)", "finished"], rows)
    R.line(f"Command: `/usr/bin/python3 bench/rq_bench.py N simple|fork <redis port>` (the logic of "
           f"shared/peers/rq_bench.py with the Redis port as a parameter).")
    R.data["rq"] = res


def create_api_key(port):
    st, js = http_req(port, "POST", "/ops/accounts", {"email": "bench@example.com", "plan": "pro"},
                      {"Authorization": f"Bearer {ADMIN_KEY}"})
    if st != 201 or not js or "api_key" not in js:
        raise RuntimeError(f"POST /ops/accounts answered {st} {js}")
    return js["api_key"]


def intake_available(port, key):
    st, js = http_req(port, "POST", "/api/v1/intake", INTAKE_BODY, {"Authorization": f"Bearer {key}"})
    log(f"  probe POST /api/v1/intake → {st} {js}")
    if st == 404 or st == 405:
        return False
    if st not in (200, 202):
        raise RuntimeError(f"POST /api/v1/intake answered {st} {js}; check the budget/rate-limit env "
                           f"overrides (LEVQOR_BENCH_ENV)")
    return True


def queue_health(port, key):
    st, js = http_req(port, "GET", "/ops/queue_health", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    if st == 401 or st == 403:
        st, js = http_req(port, "GET", "/ops/queue_health", headers={"Authorization": f"Bearer {key}"})
    return st, js


def wait_drained(port, key, timeout=E2E_DRAIN_TIMEOUT):
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        st, js = queue_health(port, key)
        last = js
        if st == 200 and js and js.get("depth") == 0 and js.get("running") == 0:
            return time.monotonic(), js
        time.sleep(0.02)
    raise RuntimeError(f"queue not drained within {timeout}s: {last}")


# (pid, path) pairs of Levqor instances that have had LEVQOR_WARMUP of job load: "single" (POST
# /api/v1/intake) or "batch" (POST /api/v1/intake/batch); the e2e section warms up what is missing.
WARMED = set()


def section_intake(lvq, peer, key, available, tmp, pg, redis):
    R.h("HTTP intake: POST /api/v1/intake (wrk + shared/peers/intake.lua)")
    lp, lport = lvq
    pp, pport = peer
    script = os.path.join(PEERS, "intake.lua")
    env = dict(os.environ, LEVQOR_KEY=key or "none")
    res = {"runs": {}}
    peer_pids = lambda: group_pids(pp.pid)
    # Levqor API-only: `serve` with WORKER_CONCURRENCY=0 on its own database (and Redis db), so no job
    # runs in that process nor elsewhere during its runs; like for like with the peer, whose RQ workers
    # do not run during its intake runs.
    api = None
    api_key = None
    if available:
        try:
            ap, aport, _ = start_levqor("levqor-load-apionly", **levqor_db_args(tmp, pg, "api"),
                                        extra=dict(LEVQOR_LOAD_ENV, WORKER_CONCURRENCY="0",
                                                   REDIS_URL=f"redis://127.0.0.1:{redis.port}/3"))
            api = (ap, aport)
            api_key = create_api_key_or_reuse(aport)
        except RuntimeError as e:
            R.line(f"Levqor API-only instance (WORKER_CONCURRENCY=0) not measured: {e}")
            if api:
                stop_levqor(api[0])
            api = None
    api_env = dict(os.environ, LEVQOR_KEY=api_key or "none")
    variants = [("serve (API + in-process workers)", "levqor-intake", lp, lport, env, True)]
    if api:
        variants.append(("serve API-only (WORKER_CONCURRENCY=0)", "levqor-apionly-intake", api[0], api[1],
                         api_env, False))
    try:
        wrk(f"http://127.0.0.1:{pport}/api/v1/intake", WRK_CONNS[0], WRK_WARMUP, script=script,
            tag="wrk-warmup-peer-intake")
        if available:
            for label, name, p, port, e, drains in variants:
                wrk(f"http://127.0.0.1:{port}/api/v1/intake", WRK_CONNS[0], LEVQOR_WARMUP, script=script, env=e,
                    tag=f"wrk-warmup-{name}")
                if drains:
                    wait_drained(port, key)
                WARMED.add((p.pid, "single"))
        else:
            R.line(SKIP_INTAKE + " — Levqor side skipped; the Flask peer is measured alone.")
        rows = []
        for c in WRK_CONNS:
            runs = {label: [] for label, *_ in variants}
            pb = []
            for i in range(WRK_REPEATS):
                if available:
                    for label, name, p, port, e, drains in variants:
                        runs[label].append(load_run(name, f"http://127.0.0.1:{port}/api/v1/intake",
                                                    lambda p=p: [p.pid], c, script=script, env=e, rep=i))
                        if drains:
                            wait_drained(port, key)
                pb.append(load_run("peer-intake", f"http://127.0.0.1:{pport}/api/v1/intake", peer_pids, c,
                                   script=script, rep=i))
            b = agg(pb)
            res["runs"][c] = {"peer": b}
            if not available:
                rows.append([c, "Levqor (pending)", "pending", fmt(b["rps"]), "pending", "pending",
                             f"{fmt(b['p50'], 2)} / {fmt(b['p99'], 2)}", "pending",
                             f"- / {b['rss_peak_kib'] // 1024}", f"- / {b['non2xx']}"])
                continue
            for label, name, *_ in variants:
                a = agg(runs[label])
                res["runs"][c]["levqor" if name == "levqor-intake" else "levqor_api_only"] = a
                rows.append([c, f"Levqor {label}", fmt(a["rps"]), fmt(b["rps"]), ratio(a["rps"], b["rps"]),
                             f"{fmt(a['p50'], 2)} / {fmt(a['p99'], 2)}", f"{fmt(b['p50'], 2)} / {fmt(b['p99'], 2)}",
                             ratio(a["p99"], b["p99"]), f"{a['rss_peak_kib'] // 1024} / {b['rss_peak_kib'] // 1024}",
                             f"{a['non2xx']} / {b['non2xx']}"])
    finally:
        if api:
            stop_levqor(api[0])
    R.table(["connections", "Levqor variant", "Levqor req/s", "peer req/s", "ratio (target ≥ 10×)",
             "Levqor p50 / p99 ms", "peer p50 / p99 ms", "p99 ratio (target < 1)", "RSS peak MiB L / P",
             "non-2xx L / P"], rows)
    R.line(f"Command: `LEVQOR_KEY=lvq_… wrk -t{WRK_THREADS} -c<32|64> -d{WRK_DURATION}s --latency -s "
           f"shared/peers/intake.lua http://127.0.0.1:<port>/api/v1/intake`; medians of {WRK_REPEATS} interleaved "
           f"runs (Levqor serve, Levqor API-only, peer); warm-up {LEVQOR_WARMUP}s per Levqor instance, "
           f"{WRK_WARMUP}s for the peer. Levqor with "
           f"{' '.join(f'{k}={v}' for k, v in LEVQOR_LOAD_ENV.items())}, JVM options {java_opts_text()}. "
           f"\"serve (API + in-process workers)\": the async instance (REDIS_URL set) runs its workers "
           f"(default WORKER_CONCURRENCY) while it takes requests, and its queue is drained between runs. "
           f"\"serve API-only\": a second instance with WORKER_CONCURRENCY=0 on its own database, whose jobs "
           f"stay queued — like for like with the peer, whose RQ workers do not run during its intake runs "
           f"(its jobs stay in RQ's queue).")
    R.data["intake"] = res


def db_jobs(pg, tag):
    """(jobs, succeeded) in the database of the Levqor instance `tag`; None with LEVQOR_DB=embedded."""
    if LEVQOR_DB == "embedded":
        return None
    try:
        out = pg.sql("select count(*), count(*) filter (where state = 'succeeded') from jobs", db=f"levqor_{tag}")
        n, ok = out.split("|")
        return int(n), int(ok)
    except Exception as e:  # noqa: BLE001 - a cross-check only
        log(f"  counting jobs in levqor_{tag} failed: {e}")
        return None


def db_now(pg, tag):
    """The database clock (text), to select the jobs of one run by created_at; None when not available."""
    if LEVQOR_DB == "embedded":
        return None
    try:
        return pg.sql("select now()", db=f"levqor_{tag}").strip()
    except Exception as e:  # noqa: BLE001 - a cross-check only
        log(f"  reading the clock of levqor_{tag} failed: {e}")
        return None


def db_span(pg, tag, since):
    """From Postgres, for the jobs created since `since`: (succeeded, seconds from the first created_at
    to the last finished_at). The durable record of the run, independent of how fast the harness
    noticed the drain (queue_health counts are shared for a while)."""
    if not since:
        return None
    try:
        out = pg.sql("select count(*) filter (where state = 'succeeded'), "
                     "extract(epoch from max(finished_at) - min(created_at)) "
                     f"from jobs where created_at >= '{since}'", db=f"levqor_{tag}")
        n, secs = out.split("|")
        return int(n), float(secs) if secs else None
    except Exception as e:  # noqa: BLE001 - a cross-check only
        log(f"  reading the run's span in levqor_{tag} failed: {e}")
        return None


def batch_available(port, key):
    """None when POST /api/v1/intake/batch works (and GET on it answers 404/405, which
    bench/intake_batch.lua uses as its filler request); else the reason, for the results."""
    st, js = http_req(port, "POST", "/api/v1/intake/batch", {"jobs": [INTAKE_BODY]},
                      {"Authorization": f"Bearer {key}"})
    log(f"  probe POST /api/v1/intake/batch → {st} {js}")
    if st in (404, 405):
        return f"batch endpoint not available (POST /api/v1/intake/batch answered {st}; not merged yet?)"
    if st not in (200, 202) or not isinstance(js, dict) or not isinstance(js.get("jobs"), list):
        return f"batch endpoint not usable: POST /api/v1/intake/batch answered {st} {json.dumps(js)[:200]}"
    gst, _ = http_req(port, "GET", "/api/v1/intake/batch", headers={"Authorization": f"Bearer {key}"})
    if gst not in (404, 405):
        return (f"batch run not possible: GET /api/v1/intake/batch answered {gst}, and bench/intake_batch.lua "
                f"needs a 404 or 405 there for its filler requests")
    return None


def _batch_wrk(lport, key, seconds, jobs_per_thread, tag):
    env = dict(os.environ, LEVQOR_KEY=key, E2E_BATCH=str(E2E_BATCH), BENCH_SECONDS=str(seconds),
               BENCH_JOBS_PER_THREAD=str(jobs_per_thread))
    # -d only as a safety net: the script stops sending after `seconds` and waits for its answers
    return wrk(f"http://127.0.0.1:{lport}/api/v1/intake/batch", E2E_CONNS, seconds + 30,
               script=os.path.join(BENCH_DIR, "intake_batch.lua"), env=env, tag=tag, timeout=30)


def levqor_job_warmup(lport, key, pid, mode_name, kinds):
    """LEVQOR_WARMUP seconds of job load (split between the kinds not warmed yet), then a drained queue."""
    todo = [k for k in kinds if (pid, k) not in WARMED]
    if not todo or LEVQOR_WARMUP <= 0:
        return
    secs = max(1, LEVQOR_WARMUP // len(kinds))
    for k in todo:
        log(f"  warm-up {mode_name} {k}: {secs}s")
        if k == "batch":
            _batch_wrk(lport, key, secs, 0, f"wrk-warmup-e2e-{mode_name}-batch")
        else:
            wrk(f"http://127.0.0.1:{lport}/api/v1/intake", E2E_CONNS, secs, script=os.path.join(PEERS, "intake.lua"),
                env=dict(os.environ, LEVQOR_KEY=key), tag=f"wrk-warmup-e2e-{mode_name}-single")
        wait_drained(lport, key)
        WARMED.add((pid, k))


def e2e_run(lport, key, mode_name, pid, kind, pg, dbtag):
    """One end-to-end run: kind "batch" (POST /api/v1/intake/batch) or "single" (POST /api/v1/intake)."""
    st, js = queue_health(lport, key)
    log(f"  queue_health before {mode_name} {kind}: {st} {js}")
    mode = js.get("mode") if js else None
    wait_drained(lport, key)
    db0 = db_jobs(pg, dbtag)
    since = db_now(pg, dbtag)
    sampler = RssSampler(lambda: [pid])
    sampler.start()
    per_thread = max(1, E2E_JOBS // WRK_THREADS)
    t0 = time.monotonic()
    if kind == "batch":
        r = _batch_wrk(lport, key, E2E_SECONDS, per_thread, f"wrk-e2e-{mode_name}-batch")
    else:
        r = wrk(f"http://127.0.0.1:{lport}/api/v1/intake", E2E_CONNS, E2E_SECONDS,
                script=os.path.join(BENCH_DIR, "intake_n.lua"),
                env=dict(os.environ, LEVQOR_KEY=key, BENCH_REQUESTS_PER_THREAD=str(per_thread)),
                tag=f"wrk-e2e-{mode_name}-single")
    t_wrk = time.monotonic()
    _, at_end = queue_health(lport, key)
    backlog = (at_end or {}).get("depth", 0) + (at_end or {}).get("running", 0)
    t1, js = wait_drained(lport, key)
    rss = sampler.finish()
    db1 = db_jobs(pg, dbtag)
    notes = []
    if kind == "batch":
        tot = r.get("batch") or {}
        accepted = tot.get("created", 0)
        requests, non2xx = tot.get("batches", 0), tot.get("non2xx", 0)
        if non2xx:
            seen = sorted({x for x in str(tot.get("statuses", "")).split(",") if x.isdigit()})
            notes.append(f"{non2xx} non-2xx batch answers (statuses seen: {', '.join(seen)})")
        if r["limit_hits"] < WRK_THREADS:
            notes.append(f"only {r['limit_hits']} of {WRK_THREADS} wrk threads got every answer (see "
                         f"{OUT}/wrk-e2e-{mode_name}-batch.txt): unanswered batches are not counted")
    else:
        accepted = r["requests"] - r["non2xx"]
        requests, non2xx = r["requests"], r["non2xx"]
        if non2xx:
            notes.append(f"{non2xx} non-2xx answers")
    db_new = db_ok = None
    if db0 and db1:
        db_new, db_ok = db1[0] - db0[0], db1[1] - db0[1]
        if db_new != accepted:
            notes.append(f"Postgres has {db_new:,} new jobs, the client counted {accepted:,}"
                         + (" (requests still in flight when wrk stopped are not counted by the client)"
                            if kind == "single" else ""))
    rate = accepted / (t1 - t0)
    drain = backlog / (t1 - t_wrk) if backlog and t1 > t_wrk else None
    span = db_span(pg, dbtag, since)
    db_rate = span[0] / span[1] if span and span[1] else None
    log(f"  e2e {mode_name} {kind} (mode reported: {mode}): {accepted} jobs accepted in {t_wrk - t0:.1f}s "
        f"({requests} requests), all done after {t1 - t0:.1f}s → {rate:,.0f} jobs/s; Postgres +{db_new} jobs, "
        f"+{db_ok} succeeded; backlog at intake end {backlog}, drained at {fmt(drain)} jobs/s; Postgres: "
        f"{span[0] if span else 'n/a'} succeeded from first created_at to last finished_at in "
        f"{fmt(span[1], 2) if span else 'n/a'} s → {fmt(db_rate)} jobs/s; after: {js}"
        + (f"; NOTE: {'; '.join(notes)}" if notes else ""))
    return {"kind": kind, "mode": mode, "accepted": accepted, "requests": requests, "non2xx": non2xx,
            "db_new_jobs": db_new, "db_new_succeeded": db_ok, "seconds": t1 - t0,
            "intake_seconds": t_wrk - t0, "drain_after_intake_s": t1 - t_wrk,
            "backlog_at_intake_end": backlog, "drain_jobs_per_s": drain, "rss_peak_kib": rss,
            "jobs_per_s": rate, "intake_jobs_per_s": accepted / (t_wrk - t0), "dlq_after": js.get("dlq"),
            "db_succeeded": span[0] if span else None, "db_span_s": span[1] if span else None,
            "db_jobs_per_s": db_rate,
            "cmd": r["cmd"], "notes": notes}


def _ts(js, names):
    """Finds a timestamp in a status answer, top level or under a nested dict (e.g. timestamps)."""
    cands = [js] + [v for v in js.values() if isinstance(v, dict)]
    for d in cands:
        for n in names:
            v = d.get(n)
            if isinstance(v, str):
                try:
                    return datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
                except ValueError:
                    pass
    return None


def _pct(xs, q):
    """Nearest rank over sorted xs: the smallest sample with at least q of all samples at or below it."""
    return xs[max(0, math.ceil(round(q * len(xs), 9)) - 1)]


def _dist(xs):
    xs = sorted(xs)
    return {"p50": _pct(xs, 0.50), "p90": _pct(xs, 0.90), "p99": _pct(xs, 0.99), "p999": _pct(xs, 0.999),
            "max": xs[-1]}


def _submit_one(c, body, hdr):
    """One POST /api/v1/intake on connection c: (job id, client time before sending, after the 202), ns."""
    t_send = time.time_ns()
    c.request("POST", "/api/v1/intake", body=body, headers=hdr)
    r = c.getresponse()
    js = json.loads(r.read())
    t_answer = time.time_ns()
    if r.status != 202:
        raise RuntimeError(f"POST /api/v1/intake answered {r.status} {js}")
    return js["job_id"], t_send, t_answer


def _cpu_ticks():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v) - idle, sum(v)


def pickup_settle(pg, dbtag):
    """Lets the database settle after the load before it (a checkpoint and a vacuum of what that load left,
    so that neither runs during the measurement); seconds taken, or None when not done."""
    if not PICKUP_SETTLE or LEVQOR_DB == "embedded" or pg is None:
        return None
    t0 = time.monotonic()
    pg.sql("checkpoint", db=f"levqor_{dbtag}")
    pg.sql("vacuum (analyze)", db=f"levqor_{dbtag}")
    pg.sql("checkpoint", db=f"levqor_{dbtag}")
    return time.monotonic() - t0


def pickup_run(lport, key, mode_name, pg=None, dbtag=None):
    """Pickup latency when not saturated: jobs submitted one at a time at PICKUP_RATE/s on one connection;
    afterwards each job's created_at and started_at are read from GET /api/v1/status."""
    wait_drained(lport, key)
    c = http.client.HTTPConnection("127.0.0.1", lport, timeout=10)
    hdr = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = json.dumps(INTAKE_BODY).encode()
    t0 = time.monotonic()
    warm = 0
    while warm < PICKUP_WARMUP and time.monotonic() - t0 < 30:  # bounded like the measurement
        _submit_one(c, body, hdr)
        warm += 1
    warm_s = time.monotonic() - t0
    wait_drained(lport, key)
    settle_s = pickup_settle(pg, dbtag)
    time.sleep(1)
    load_before = loadavg()
    cpu0 = _cpu_ticks()
    sent = []
    rnd = random.Random(3)
    t0 = nxt = time.monotonic()
    while len(sent) < PICKUP_JOBS and time.monotonic() - t0 < PICKUP_SECONDS:
        sent.append(_submit_one(c, body, hdr))
        nxt += rnd.uniform(0.5, 1.5) / PICKUP_RATE
        time.sleep(max(0, nxt - time.monotonic()))
    secs = time.monotonic() - t0
    cpu1 = _cpu_ticks()
    load_after = loadavg()
    cpu_busy = (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1])
    wait_drained(lport, key)
    created_started, answer_started = [], []
    missing = 0
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    with open(os.path.join(OUT, f"pickup-{mode_name}.tsv"), "w") as raw:
        raw.write("job_id\tclient_sent_ns\tclient_202_ns\tcreated_at\tstarted_at\n")
        for jid, t_send, t_answer in sent:
            c.request("GET", f"/api/v1/status/{jid}", headers=hdr)
            r = c.getresponse()
            js = json.loads(r.read())
            cr = _ts(js, ("created_at", "created"))
            sa = _ts(js, ("started_at", "started"))
            raw.write(f"{jid}\t{t_send}\t{t_answer}\t{cr.isoformat() if cr else ''}\t{sa.isoformat() if sa else ''}\n")
            if cr and sa:
                created_started.append((sa - cr).total_seconds() * 1000)
                started_ns = (sa - epoch) // datetime.timedelta(microseconds=1) * 1000
                answer_started.append((started_ns - t_answer) / 1e6)
            else:
                missing += 1
    c.close()
    if not created_started:
        raise RuntimeError(f"no created/started timestamps in GET /api/v1/status answers (last: {js})")
    res = {"n": len(created_started), "missing": missing, "seconds": secs, "rate": len(sent) / secs,
           "warmup_jobs": warm, "warmup_s": warm_s, "settle_s": settle_s,
           "loadavg_before": load_before, "loadavg_after": load_after, "cpu_busy": cpu_busy,
           "created_started_ms": _dist(created_started),
           "over_10ms": sum(1 for x in created_started if x > 10),
           "answer_started_ms": _dist(answer_started)}
    log(f"  pickup {mode_name}: {res}")
    return res


def section_jobs(tmp, pg, redis, available, key_async, lvq_async):
    """End-to-end echo throughput and pickup latency, async (REDIS_URL) then sync (NEW_QUEUE_ENABLED=false)."""
    rq = R.data.get("rq", {}).get("simple", {}).get("process")
    if "rq" not in SECTIONS:
        rq_text = f"not measured: the rq section did not run (BENCH_SECTIONS={','.join(SECTIONS)})"
    elif rq is None:
        rq_text = "not measured: the rq section failed (see above)"
    else:
        rq_text = fmt(rq)
    if "e2e" in SECTIONS:
        R.h("End-to-end echo jobs (created → succeeded, durable in Postgres)")
    if not available:
        if "e2e" in SECTIONS:
            R.line(SKIP_INTAKE)
            R.line(f"RQ SimpleWorker reference from this run: {rq_text} jobs/s.")
        if "pickup" in SECTIONS:
            R.h("Pickup latency (committed → started), not saturated")
            R.line(SKIP_INTAKE)
        return
    results = {}
    pickups = {}
    modes = [("async", lvq_async, key_async)] if "async" in E2E_MODES else []
    sync_proc = None
    try:
        if "sync" in E2E_MODES:
            # sync mode: a second Levqor with the new queue off (its own database, so the async
            # instance cannot take its jobs)
            lp, lport, _ = start_levqor("levqor-load-sync", **levqor_db_args(tmp, pg, "sync"),
                                        extra=dict(LEVQOR_LOAD_ENV, NEW_QUEUE_ENABLED="false",
                                                   REDIS_URL=f"redis://127.0.0.1:{redis.port}/2"))
            sync_proc = lp
            modes.append(("sync", (lp, lport), create_api_key_or_reuse(lport)))
    except RuntimeError as e:
        log(f"  sync-mode Levqor did not start: {e}")
    batch_missing = {}
    try:
        for name, (p, port), key in modes:
            if "e2e" in SECTIONS:
                batch_missing[name] = batch_available(port, key)
                kinds = [k for k in ("batch", "single") if k in E2E_KINDS
                         and (k == "single" or batch_missing[name] is None)]
                levqor_job_warmup(port, key, p.pid, name, kinds)
                for kind in kinds:
                    results[f"{name}-{kind}"] = e2e_run(port, key, name, p.pid, kind, pg, name)
            if "pickup" in SECTIONS:
                pickups[name] = pickup_run(port, key, name, pg, name)
    finally:
        if sync_proc:
            stop_levqor(sync_proc)
    if "e2e" in SECTIONS:
        rows = []
        for name, _, _ in modes:
            label = {"async": "async (REDIS_URL set)", "sync": "sync (NEW_QUEUE_ENABLED=false)"}[name]
            for kind in ("batch", "single"):
                what = (f"batch requests ({E2E_BATCH} jobs per POST /api/v1/intake/batch)" if kind == "batch"
                        else "single-job requests (POST /api/v1/intake)")
                r = results.get(f"{name}-{kind}")
                if r is None:
                    if kind == "batch" and batch_missing.get(name):
                        rows.append([f"Levqor {label}, {what}", batch_missing[name]] + [""] * 9)
                    continue
                rows.append([f"Levqor {label}, {what}", f"{r['accepted']:,}",
                             "n/a" if r["db_new_jobs"] is None else f"{r['db_new_jobs']:,} / {r['db_new_succeeded']:,}",
                             f"{r['seconds']:.1f}", f"**{fmt(r['jobs_per_s'])}**",
                             (f"{fmt(r.get('db_jobs_per_s'))} ({r['db_succeeded']:,} in {fmt(r['db_span_s'], 1)}s)"
                              if r.get("db_jobs_per_s") else "n/a"),
                             f"{fmt(r['intake_jobs_per_s'])} in {r['intake_seconds']:.1f}s",
                             (f"{r['backlog_at_intake_end']:,} at {fmt(r['drain_jobs_per_s'])}/s"
                              if r["backlog_at_intake_end"] else "0"),
                             ratio(r["jobs_per_s"], rq, 1), r["dlq_after"], f"{r['rss_peak_kib'] // 1024} MiB"])
        rows.append(["peer: RQ SimpleWorker, processing rate (rq section of this run, 1 burst worker)", "",
                     "", "", rq_text, "", "", "", "1×" if rq else "", "", ""])
        R.table(["run", "jobs created (2xx)", "Postgres: new jobs / succeeded", "seconds (first submit → queue empty)",
                 "jobs/s end-to-end", "jobs/s from Postgres (succeeded / first created_at → last finished_at)",
                 "intake jobs/s (submit phase)", "backlog left at intake end, drained at",
                 "ratio vs RQ SimpleWorker (async target ≥ 20,000 jobs/s)", "dlq after", "Levqor JVM RSS peak"], rows)
        notes = [f"{k}: {'; '.join(r['notes'])}" for k, r in results.items() if r["notes"]]
        if notes:
            R.line("Notes: " + " | ".join(notes))
        R.line(f"Method: per mode, two runs of at most {E2E_JOBS:,} echo jobs and {E2E_SECONDS}s of submitting "
               f"each (every wrk thread stops after its share), `wrk -t{WRK_THREADS} -c{E2E_CONNS}`, then GET "
               f"/ops/queue_health is polled until depth 0 and running 0; jobs/s = jobs created / "
               f"(first submit → drained). The Postgres column reads the durable record instead: the jobs "
               f"created in the run that succeeded / (their first created_at → their last finished_at), "
               f"independent of how soon the poll noticed the drain (queue counts are shared for up to 10× "
               f"their counting time, at most 5 s, while a backlog is large). Batch run: `bench/intake_batch.lua`, {E2E_BATCH} jobs per "
               f"POST /api/v1/intake/batch; jobs created = the job ids in its 2xx answers (each thread waits "
               f"for the answers to every batch it sent). Single-job run: `bench/intake_n.lua`, one job per "
               f"POST /api/v1/intake; jobs created = 2xx answers. \"Postgres\" counts the rows of the "
               f"instance's `jobs` table before and after (external Postgres only). Async: REDIS_URL set; sync: "
               f"a freshly started instance with NEW_QUEUE_ENABLED=false. Workers run in the same JVM as the "
               f"HTTP server (default WORKER_CONCURRENCY); JVM options {java_opts_text()}. An instance not yet "
               f"warmed by the intake section first gets {LEVQOR_WARMUP}s of the same load (LEVQOR_WARMUP). "
               f"RQ: `bench/rq_bench.py {RQ_JOBS} simple`, no-op jobs enqueued first, then drained by one "
               f"SimpleWorker (no Postgres, no HTTP).")
        R.data["e2e"] = results
        R.data["e2e_batch_unavailable"] = {k: v for k, v in batch_missing.items() if v}
    if "pickup" in SECTIONS:
        R.h("Pickup latency (committed → started), not saturated")
        rows = []
        for n, r in pickups.items():
            d, a = r["created_started_ms"], r["answer_started_ms"]
            rows.append([n, r["n"], fmt(d["p50"], 2), fmt(d["p90"], 2), f"**{fmt(d['p99'], 2)}**", fmt(d["p999"], 2),
                         fmt(d["max"], 2), r["over_10ms"], fmt(a["p50"], 2), fmt(a["p99"], 2), fmt(a["max"], 2),
                         f"{r['cpu_busy'] * 100:.0f}%"])
        R.table(["mode", "jobs", "p50 ms", "p90 ms", "p99 ms (target < 10)", "p99.9 ms", "max ms", "jobs over 10 ms",
                 "202 answer → started: p50 ms", "p99 ms", "max ms",
                 f"CPU busy during the run (all {os.cpu_count()} cores, every process)"], rows)
        first = next(iter(pickups.values()))
        R.line(f"Method: per mode, {first['warmup_jobs']:,} jobs sent back to back first and not measured (warm-up, "
               f"PICKUP_WARMUP), the queue drained, then "
               + ("`CHECKPOINT`, `VACUUM (ANALYZE)`, `CHECKPOINT` on the instance's database, so that the "
                  "checkpoint and the autovacuum left behind by the load before do not run during the "
                  "measurement (PICKUP_SETTLE; 0 measures without), and 1 s of rest; "
                  if first["settle_s"] is not None else "no settling (PICKUP_SETTLE=0 or embedded Postgres); ")
               + f"then {PICKUP_JOBS:,} echo jobs (at most {PICKUP_SECONDS:g} s) submitted one at a time on one "
               f"connection, POST /api/v1/intake, at {PICKUP_RATE:g}/s on average (gaps drawn uniformly between "
               f"0.5 and 1.5 times the mean, fixed seed), so the workers are idle when each job arrives. "
               f"Latency = started_at − created_at from GET /api/v1/status/{{id}}: every job counted, none "
               f"dropped; percentiles by nearest rank (of 1,000 jobs, p99 is the 11th worst, p99.9 the 2nd "
               f"worst). Both stamps come from the Levqor JVM's clock: created_at is taken just before the "
               f"intake transaction, so the insert and its commit are included; started_at when a worker, "
               f"holding the job's id, issues its claim (queued → running). Committed → started is therefore "
               f"a little shorter than this headline figure. \"202 answer → started\" bounds it from below: "
               f"started_at minus the client's clock (same machine) once the 202 was read, and the 202 is "
               f"written only after the commit; negative means the job had started before the client had its "
               f"answer. CPU busy: /proc/stat over the measured jobs, the other tenants of the machine "
               f"included. Async: REDIS_URL set; sync: NEW_QUEUE_ENABLED=false. Per job: "
               f"`pickup-<mode>.tsv` next to these results.")
        R.data["pickup"] = pickups


# ---------------------------------------------------------------------------------------------
# backup: levqor backup / restore-verify against bare pg_dump / psql on the same database


def pg_server_pids(pg):
    """The postmaster of the throw-away Postgres and its children (backends, checkpointer...)."""
    pm = postmaster_pid(pg.dir)
    if not pm:
        return []
    pids = [pm]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pm:
                        pids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return pids


def anon_kib(pid):
    """RssAnon: a process's private memory (a backend's sort and hash memory; not shared buffers)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PgMemSampler(threading.Thread):
    """Peak of the summed RssAnon of the Postgres server's processes, every 100 ms; and the peak VmRSS
    of one client process (the Levqor JVM, pg_dump or psql)."""

    def __init__(self, pg, client_pid):
        super().__init__(daemon=True)
        self.pg, self.client_pid = pg, client_pid
        self.server_anon_peak = 0
        self.client_rss_peak = 0
        self.stop_evt = threading.Event()

    def run(self):
        while not self.stop_evt.is_set():
            self.server_anon_peak = max(self.server_anon_peak, sum(anon_kib(p) for p in pg_server_pids(self.pg)))
            self.client_rss_peak = max(self.client_rss_peak, rss_kib(self.client_pid))
            self.stop_evt.wait(0.1)

    def finish(self):
        self.stop_evt.set()
        self.join()


def timed_command(label, args, env):
    """Runs a command to its end; returns wall seconds, its stdout, and the memory peaks."""
    t0 = time.monotonic()
    p = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PgMemSampler(BACKUP_PG, p.pid)
    sampler.start()
    out, err = p.communicate()
    secs = time.monotonic() - t0
    sampler.finish()
    with open(os.path.join(OUT, "backup-commands.log"), "a") as f:
        f.write(f"$ {' '.join(args)}\n{out}{err}\n(exit {p.returncode}, {secs:.2f} s)\n\n")
    if p.returncode != 0:
        raise RuntimeError(f"{label} failed (exit {p.returncode}): {(err or out)[-1500:]}")
    return {"seconds": secs, "out": out, "server_anon_peak_kib": sampler.server_anon_peak,
            "client_rss_peak_kib": sampler.client_rss_peak}


BACKUP_PG = None


def fill_backup_database(pg, db, jobs):
    pg.sql("insert into accounts (id, email, plan) select gen_random_uuid(), 'bench' || g || '@example.com', 'pro' "
           "from generate_series(1, 100) g", db=db)
    chunk = 200_000
    done = 0
    while done < jobs:
        n = min(chunk, jobs - done)
        pg.sql(
            "insert into jobs (id, account_id, workflow, payload, state, priority, attempt, max_attempts, "
            "timeout_seconds, run_at, cost, result, last_error, created_at, started_at, finished_at, updated_at, "
            "callback_url, callback_state) "
            "select gen_random_uuid(), (array(select id from accounts order by id))[1 + g % 100], "
            "case when g % 7 = 0 then 'http.request' else 'echo' end, "
            "jsonb_build_object('url', 'https://api.example.com/hooks/' || g, 'method', 'POST', 'body', "
            "jsonb_build_object('order', g, 'items', jsonb_build_array(g % 10, g % 13, 3), 'note', md5(g::text))), "
            "case when g % 20 = 0 then 'dead' when g % 10 = 0 then 'queued' else 'succeeded' end, "
            "(g % 3)::smallint, 1 + g % 3, 3, 60, now() - (g || ' seconds')::interval, "
            "case when g % 7 = 0 then 5 else 1 end, "
            "case when g % 10 <> 0 then jsonb_build_object('status', 200, 'n', g, 'elapsed', (g % 1000) / 7.0) end, "
            "case when g % 20 = 0 then 'HTTP 503 from api.example.com after 30012 ms (attempt 3 of 3)' end, "
            "now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, "
            "case when g % 10 <> 0 then now() - (g || ' seconds')::interval end, now(), "
            "case when g % 5 = 0 then 'https://me.example.com/levqor' end, "
            "case when g % 5 = 0 then 'delivered' end "
            f"from generate_series({done + 1}, {done + n}) g", db=db)
        done += n
        log(f"  backup: {done:,} / {jobs:,} jobs written")
    pg.sql("vacuum (analyze)", db=db)
    pg.sql("checkpoint", db=db)


def section_backup(tmp, pg):
    global BACKUP_PG
    BACKUP_PG = pg
    R.h(f"Backup and restore-verify of a database with {BACKUP_BENCH_JOBS:,} jobs, against bare pg_dump and psql")
    db = "levqor_backup"
    pg.sql(f"create database {db}")
    base = {k: v for k, v in os.environ.items() if not k.startswith(_LEVQOR_ENV_PREFIXES + ("BACKUP",))}
    backups = os.path.join(tmp, "backups")
    lvq_env = dict(base, DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg.port}/{db}", BACKUP_DIR=backups,
                   PG_BIN_DIR=PG_BIN, LOG_DIR=os.path.join(OUT, "levqor-logs"))
    lvq_env = launcher_env(lvq_env)
    lvq = [LAUNCHER]
    run(lvq + ["migrate"], env=lvq_env)
    t0 = time.monotonic()
    fill_backup_database(pg, db, BACKUP_BENCH_JOBS)
    log(f"  backup: database filled in {time.monotonic() - t0:.0f} s")
    db_size = int(pg.sql(f"select pg_database_size('{db}')"))
    jobs_size = int(pg.sql("select pg_total_relation_size('jobs')", db=db))
    idle_anon = sum(anon_kib(p) for p in pg_server_pids(pg))
    pg_env = dict(base, PGHOST="127.0.0.1", PGPORT=str(pg.port), PGUSER="postgres", PGDATABASE=db)
    bare_file = os.path.join(tmp, "bare.sql")
    options = ["--format=plain", "--no-owner", "--no-acl", "--clean", "--if-exists", "--no-password"]
    res = {"jobs": BACKUP_BENCH_JOBS, "database_bytes": db_size, "jobs_table_bytes": jobs_size,
           "idle_server_anon_kib": idle_anon, "runs": []}
    for i in range(BACKUP_BENCH_REPEATS):
        rep = {}
        order = ("bare", "levqor") if i % 2 == 0 else ("levqor", "bare")
        for who in order:
            if who == "bare":
                rep["pg_dump"] = timed_command("pg_dump", [f"{PG_BIN}/pg_dump"] + options + ["-f", bare_file], pg_env)
            else:
                for f in os.listdir(backups) if os.path.isdir(backups) else []:
                    os.remove(os.path.join(backups, f))   # one backup on disk at a time
                rep["backup"] = timed_command("levqor backup", lvq + ["backup"], lvq_env)
        lvq_file = next(os.path.join(backups, f) for f in sorted(os.listdir(backups)) if f.endswith(".sql"))
        rep["sql_bytes"] = {"levqor": os.path.getsize(lvq_file), "bare": os.path.getsize(bare_file)}
        for who in order:
            if who == "bare":
                scratch = f"bench_restore_{i}"

                def bare_restore():
                    pg.sql(f"create database {scratch} template template0")
                    r = timed_command("psql restore", [f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                                                       "--no-password", "-o", "/dev/null", "-f", bare_file],
                                      dict(pg_env, PGDATABASE=scratch))
                    pg.sql(f"drop database {scratch}")
                    return r
                t1 = time.monotonic()
                r = bare_restore()
                r["seconds_with_create_drop"] = time.monotonic() - t1
                rep["psql"] = r
            else:
                r = timed_command("levqor restore-verify", lvq + ["restore-verify", lvq_file], lvq_env)
                m = re.search(r"^PARITY:(\S+)$", r["out"], re.M)
                rto = re.search(r"^RTO: (\S+) minutes$", r["out"], re.M)
                r["parity"] = m.group(1) if m else None
                r["rto_minutes"] = float(rto.group(1)) if rto else None
                rep["restore_verify"] = r
        log(f"  backup rep {i + 1}: pg_dump {rep['pg_dump']['seconds']:.1f} s, levqor backup "
            f"{rep['backup']['seconds']:.1f} s, psql restore {rep['psql']['seconds_with_create_drop']:.1f} s, "
            f"restore-verify {rep['restore_verify']['seconds']:.1f} s ({rep['restore_verify']['parity']})")
        res["runs"].append(rep)

    def med(key, field="seconds"):
        return statistics.median(r[key][field] for r in res["runs"])

    def peak(key, field):
        return max(r[key][field] for r in res["runs"])
    b, d = med("backup"), med("pg_dump")
    v, p = med("restore_verify"), med("psql", "seconds_with_create_drop")
    R.table(["command (median of %d, interleaved)" % BACKUP_BENCH_REPEATS, "Levqor s", "bare s",
             "ratio (goal)", "server private memory peak, Levqor / bare (idle %d MiB)" % (idle_anon // 1024),
             "client process RSS peak, Levqor JVM / bare tool"],
            [["`levqor backup` vs `pg_dump`", fmt(b, 1), fmt(d, 1), ratio(b, d) + " (≤ 1.3×)",
              f"{peak('backup', 'server_anon_peak_kib') // 1024} / {peak('pg_dump', 'server_anon_peak_kib') // 1024} MiB",
              f"{peak('backup', 'client_rss_peak_kib') // 1024} / {peak('pg_dump', 'client_rss_peak_kib') // 1024} MiB"],
             ["`levqor restore-verify` vs `psql` restore", fmt(v, 1), fmt(p, 1), ratio(v, p) + " (≤ 1.5×)",
              f"{peak('restore_verify', 'server_anon_peak_kib') // 1024} / {peak('psql', 'server_anon_peak_kib') // 1024} MiB",
              f"{peak('restore_verify', 'client_rss_peak_kib') // 1024} / {peak('psql', 'client_rss_peak_kib') // 1024} MiB"]])
    last = res["runs"][-1]
    R.line(f"Database: {BACKUP_BENCH_JOBS:,} jobs (100 accounts; payloads and results of about 150 and 60 bytes "
           f"of JSON; 85% succeeded, 10% queued, 5% dead), {db_size / 1048576:,.0f} MiB on disk "
           f"({jobs_size / 1048576:,.0f} MiB the jobs table with its indexes); SQL file "
           f"{last['sql_bytes']['levqor'] / 1048576:,.0f} MiB (Levqor) / {last['sql_bytes']['bare'] / 1048576:,.0f} MiB "
           f"(bare). restore-verify printed PARITY:{last['restore_verify']['parity']} and RTO "
           f"{last['restore_verify']['rto_minutes']} minutes in every run: "
           f"{', '.join(str(r['restore_verify']['parity']) for r in res['runs'])}.")
    R.line(f"Method: wall time of each whole command, the four interleaved ({BACKUP_BENCH_REPEATS} runs, the order "
           f"of Levqor and bare swapped every run), on a throw-away Postgres 15 (shared_buffers 256MB) on this "
           f"machine. Bare: `pg_dump {' '.join(options)} -f bare.sql` (the options Levqor passes, without "
           f"--snapshot), and `create database … template template0; psql -X -q -v ON_ERROR_STOP=1 -f bare.sql; "
           f"drop database …`. Levqor: `bin/levqor backup` and `restore-verify FILE` (the launcher: class-data sharing archive, default JVM options) "
           f"with PG_BIN_DIR={PG_BIN} (the same binaries), JVM start included: backup = tools check, snapshot, "
           f"pg_dump and the tables' counts and checksums at the same time, SHA-256 while writing, fsync, manifest; "
           f"restore-verify = SHA-256 check, scratch database, psql, counts and checksums of the restored tables, "
           f"drop. Server private memory: the peak of the summed RssAnon of every process of the Postgres server "
           f"(postmaster and backends, sampled every 100 ms; shared buffers excluded), idle before the runs "
           f"{idle_anon // 1024} MiB. Every command's output: backup-commands.log.")
    R.data["backup"] = res


def redis_flushdb(port, db):
    """Empties one logical database of the bench's redis-server (a fresh queue for each scale-out run)."""
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        s.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
        got = b""
        while got.count(b"\r\n") < 2:
            chunk = s.recv(64)
            if not chunk:
                break
            got += chunk
    if got != b"+OK\r\n+OK\r\n":
        raise RuntimeError(f"redis FLUSHDB {db} answered {got!r}")


def scaleout_backlog(port, key, jobs):
    """Submits `jobs` jobs in batches of 1000; returns how many the server acknowledged."""
    if SCALEOUT_DELAY_MS > 0:
        item = {"workflow": "delay", "payload": {"ms": SCALEOUT_DELAY_MS}, "priority": "normal"}
    else:
        item = {"workflow": "echo", "payload": {"x": 1}, "priority": "normal"}
    done = 0
    while done < jobs:
        n = min(1000, jobs - done)
        st, js = http_req(port, "POST", "/api/v1/intake/batch", {"jobs": [item] * n},
                          {"Authorization": f"Bearer {key}"}, timeout=60)
        if st not in (200, 201, 202):
            raise RuntimeError(f"POST /api/v1/intake/batch answered {st} {js}")
        done += n
    return done


def scaleout_started_at(path):
    """The UTC time at the head of the "… worker started in N ms" line of a worker's output."""
    with open(path, errors="replace") as f:
        for line in f:
            if " worker started in " in line:
                return line.split()[0]
    raise RuntimeError(f"no 'worker started' line in {path}")


def scaleout_run(tmp, pg, redis, workers, tag):
    """One run: a fresh database, a `serve` that only takes intake, the backlog, then `workers` worker
    processes started together; measured from Postgres once every job succeeded."""
    db = f"levqor_{tag}"
    pg.sql(f"create database {db}")
    redis_flushdb(redis.port, 2)
    url = f"postgres://postgres@127.0.0.1:{pg.port}/{db}"
    common = dict(LEVQOR_LOAD_ENV, REDIS_URL=f"redis://127.0.0.1:{redis.port}/2")
    serve, port, _ = start_levqor(f"{tag}-serve", database_url=url,
                                  extra=dict(common, WORKER_CONCURRENCY="0", LOG_DIR=os.path.join(OUT, tag, "serve")))
    procs = []
    try:
        key = create_api_key_or_reuse(port)
        t0 = time.monotonic()
        submitted = scaleout_backlog(port, key, SCALEOUT_JOBS)
        log(f"  {tag}: {submitted:,} jobs submitted in {time.monotonic() - t0:.1f} s")
        stored = int(pg.sql("select count(*) from jobs", db=db))
        if stored != SCALEOUT_JOBS:
            raise RuntimeError(f"{stored} jobs stored, {SCALEOUT_JOBS} submitted")
        t_spawn = time.monotonic()
        for i in range(workers):
            wenv = levqor_env(0, database_url=url,
                              extra=dict(common, LOG_DIR=os.path.join(OUT, tag, f"worker-{i + 1}"), **SCALEOUT_WORKER_ENV))
            wenv.pop("PORT", None)
            procs.append(PROCS.spawn("levqor-worker", [LAUNCHER, "worker"], env=wenv, cwd=OUT,
                                     log=os.path.join(OUT, f"{tag}-worker-{i + 1}.log")))
        while True:
            done = int(pg.sql("select count(*) from jobs where state = 'succeeded'", db=db))
            if done >= SCALEOUT_JOBS:
                break
            for p in procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a worker exited with {p.returncode}; see {OUT}/{tag}-worker-*.log")
            if time.monotonic() - t_spawn > SCALEOUT_DRAIN_TIMEOUT:
                raise RuntimeError(f"{done:,} of {SCALEOUT_JOBS:,} jobs done after {SCALEOUT_DRAIN_TIMEOUT} s")
            time.sleep(0.2)
        wall = time.monotonic() - t_spawn
        # When every worker was up: the latest "worker started" line of their logs (UTC, the machine's clock,
        # as Postgres' now()). Jobs finished from then on were drained by all of them together.
        ready = max(scaleout_started_at(os.path.join(OUT, f"{tag}-worker-{i + 1}.log")) for i in range(workers))
        out = pg.sql("select extract(epoch from max(finished_at) - min(started_at)), "
                     f"count(*) filter (where finished_at > '{ready}'), "
                     f"extract(epoch from max(finished_at) - '{ready}'::timestamptz), "
                     "count(*) filter (where state <> 'succeeded'), coalesce(sum(attempt), 0) from jobs", db=db)
        span, after, window, other, attempts = out.split("|")
        span, after, window = float(span), int(after), float(window)
        # A window shorter than a second is too short to measure: the backlog was nearly gone by then.
        rate_all = after / window if after > 0 and window >= 1 else None
        res = {"workers": workers, "jobs": SCALEOUT_JOBS, "span_seconds": span, "jobs_per_second_span": SCALEOUT_JOBS / span,
               "all_ready_at": ready, "jobs_after_all_ready": after, "window_seconds": window,
               "jobs_per_second": rate_all, "wall_seconds_from_spawn": wall, "not_succeeded": int(other),
               "attempts": int(attempts)}
        log(f"  {tag}: {workers} worker(s): {fmt(rate_all)} jobs/s with every worker up ({after:,} jobs in "
            f"{window:.2f} s); {res['jobs_per_second_span']:,.0f} jobs/s from the first claim ({span:.2f} s); "
            f"{wall:.1f} s from spawning the workers; attempts {attempts}")
        return res
    finally:
        for p in procs:
            PROCS.stop(p, timeout=40)
        stop_levqor(serve)


def section_scaleout(tmp, pg, redis):
    kind = f"`delay` jobs of {SCALEOUT_DELAY_MS} ms" if SCALEOUT_DELAY_MS > 0 else "`echo` jobs"
    R.h(f"Scale-out: a backlog of {SCALEOUT_JOBS:,} {kind} drained by "
        f"{' then '.join(str(n) for n in SCALEOUT_WORKERS)} `levqor worker` process(es)")
    runs = {n: [] for n in SCALEOUT_WORKERS}
    for rep in range(SCALEOUT_REPEATS):
        order = SCALEOUT_WORKERS if rep % 2 == 0 else list(reversed(SCALEOUT_WORKERS))
        for n in order:
            runs[n].append(scaleout_run(tmp, pg, redis, n, f"scaleout_{n}w_{rep + 1}"))
    def med(n, field):
        xs = [r[field] for r in runs[n] if r[field] is not None]
        return statistics.median(xs) if xs else None
    base = med(SCALEOUT_WORKERS[0], "jobs_per_second")
    rows = []
    for n in SCALEOUT_WORKERS:
        rate = med(n, "jobs_per_second")
        rows.append([n, fmt(rate), ratio(rate, base), fmt(med(n, "jobs_per_second_span")),
                     fmt(med(n, "wall_seconds_from_spawn"), 1),
                     ", ".join(fmt(r["jobs_per_second"]) for r in runs[n]),
                     sum(r["not_succeeded"] for r in runs[n])])
    R.table(["worker processes", f"jobs/s, every worker up (median of {SCALEOUT_REPEATS})",
             f"vs {SCALEOUT_WORKERS[0]}", "jobs/s from the first claim", "s from spawning the workers to drained",
             "each run, jobs/s", "jobs not succeeded"], rows)
    worker_env = " ".join(f"{k}={v}" for k, v in SCALEOUT_WORKER_ENV.items()) or "none (the defaults)"
    R.line(f"Method: each run on a fresh database of the bench's Postgres 15 and an emptied Redis database; a "
           f"`bin/levqor serve` with WORKER_CONCURRENCY=0 (intake only) takes the backlog through "
           f"POST /api/v1/intake/batch (1,000 jobs a request) before any worker runs; then the worker processes "
           f"(`bin/levqor worker`, the launcher's defaults, extra env: {worker_env}) start together and drain it. "
           f"jobs/s, every worker up = jobs finished after the last worker logged \"worker started\" / (last "
           f"finished_at - that moment), read from Postgres: the rate of all of them together, the JVM starts "
           f"left out (n/a when the backlog was gone within a second of it: raise SCALEOUT_JOBS). From the first "
           f"claim = jobs / (last finished_at - first started_at), which counts the time one worker ran before the "
           f"other was up. Runs interleaved, the order reversed every other round. "
           f"Every process shares the same cores with Postgres and Redis: on this machine a second worker "
           f"competes with the first for CPU, so the ratio says how far one Postgres and one Redis let the work "
           f"spread, not what a second host would add.")
    R.data["scaleout"] = {str(n): runs[n] for n in SCALEOUT_WORKERS}


def create_api_key_or_reuse(port):
    st, js = http_req(port, "POST", "/ops/accounts", {"email": f"bench-{port}@example.com", "plan": "pro"},
                      {"Authorization": f"Bearer {ADMIN_KEY}"})
    if st != 201:
        raise RuntimeError(f"POST /ops/accounts answered {st} {js}")
    return js["api_key"]


def levqor_db_args(tmp, pg, tag):
    if LEVQOR_DB == "embedded":
        return {"data_dir": os.path.join(tmp, f"lvq-load-{tag}")}
    return {"database_url": f"postgres://postgres@127.0.0.1:{pg.port}/levqor_{tag}"}


# ---------------------------------------------------------------------------------------------


def guarded(name, fn, *args):
    """Runs one section; a failure is reported in the results and the next section still runs."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - any failure of a section is reported, not fatal
        import traceback
        LOGF and traceback.print_exc(file=LOGF)
        R.line(f"\nFAILED: section {name}: {e}")
        return None


def main():
    global OUT, LOGF
    stamp = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    OUT = os.path.join(ROOT, "target", "bench", stamp)
    os.makedirs(OUT)
    LOGF = open(os.path.join(OUT, "bench.log"), "w")
    if not os.path.isfile(JAR):
        sys.exit(f"bench: {JAR} missing: run `make jar` (or `make bench`)")
    # The class-data sharing archive the launcher uses, made for this jar (as `make jar` does).
    # An older jar without `cds-training` runs without one (the launcher then writes one when serve stops).
    if subprocess.run([os.path.join(ROOT, "build", "cds-archive.sh"), JAR], cwd=ROOT).returncode != 0:
        log(f"bench: no class-data sharing archive for {JAR} (build/cds-archive.sh failed)")
    peer_needed = any(sec in SECTIONS for sec in PEER_SECTIONS)
    if peer_needed and not os.path.isfile(os.path.join(PEERS, "flask_peer.py")):
        sys.exit(f"bench: peer scripts not found in {PEERS} (set PEERS_DIR)")
    tmp = tempfile.mkdtemp(prefix="levqor-bench-")
    os.chmod(tmp, 0o755)
    log(f"output: {OUT}; temp: {tmp}; sections: {','.join(SECTIONS)}")
    facts = machine_facts()
    R.data["machine"] = facts
    R.md.append(f"# Levqor bench run {stamp}\n")
    pg = Postgres(tmp)
    redis = Redis(tmp)
    lvq = peer = None
    try:
        pg.start()
        if peer_needed or "scaleout" in SECTIONS:
            redis.start()
        if "backup" in SECTIONS:
            guarded("backup", section_backup, tmp, pg)
        if "scaleout" in SECTIONS:
            guarded("scaleout", section_scaleout, tmp, pg, redis)
        if "coldstart" in SECTIONS:
            guarded("coldstart", section_coldstart, tmp, pg, redis)
        if "rq" in SECTIONS:
            guarded("rq", section_rq, redis)
        need_load = any(s in SECTIONS for s in ("uptime", "status", "intake", "e2e", "pickup"))
        if need_load:
            for tag in ("async", "sync", "api"):
                if LEVQOR_DB != "embedded":
                    pg.sql(f"create database levqor_{tag}")
            peer_p, peer_port, _ = start_peer(pg, redis, "peer-load")
            peer = (peer_p, peer_port)
            extra = dict(LEVQOR_LOAD_ENV, REDIS_URL=f"redis://127.0.0.1:{redis.port}/1")
            lp, lport, _ = start_levqor("levqor-load-async", **levqor_db_args(tmp, pg, "async"), extra=extra)
            lvq = (lp, lport)
            log(f"Levqor under load on 127.0.0.1:{lport} ({LEVQOR_DB} Postgres), Flask peer on {peer_port}")
            if "uptime" in SECTIONS:
                guarded("uptime", section_uptime, lvq, peer)
            if "status" in SECTIONS:
                guarded("status", section_status, lvq, peer)
            key = guarded("accounts", create_api_key, lport)
            available = bool(key) and guarded("intake probe", intake_available, lport, key)
            if not available:
                log(SKIP_INTAKE)
            if "intake" in SECTIONS:
                guarded("intake", section_intake, lvq, peer, key, available, tmp, pg, redis)
            if "e2e" in SECTIONS or "pickup" in SECTIONS:
                guarded("e2e/pickup", section_jobs, tmp, pg, redis, available, key, lvq)
    finally:
        facts["loadavg_end"] = loadavg()
        log("stopping everything")
        if lvq:
            stop_levqor(lvq[0])
        if peer:
            PROCS.stop(peer[0])
        pg.stop()
        PROCS.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
        m = [f"\n## Machine\n",
             f"- date: {facts['date']}; commit {facts['commit']}",
             f"- nproc: {facts['nproc']}; CPU: {facts['cpu']}; RAM: {facts['mem']}; kernel {facts['kernel']}",
             f"- load average (1/5/15 min) at start: {facts['loadavg_start']}; at end: {facts['loadavg_end']}",
             f"- {facts['java']}; {facts['postgres']}; {facts['redis']}; {facts['wrk']}; {facts['gunicorn']}; "
             f"{facts['python_pkgs']}",
             "- wrk, Levqor, the peer, Postgres and Redis all share the same cores; the machine may be shared "
             "with other builds, so numbers are noisy: compare the ratios measured side by side in one run."]
        R.md[1:1] = m
        R.save()
        latest = os.path.join(ROOT, "target", "bench", "latest")
        try:
            if os.path.islink(latest):
                os.unlink(latest)
            os.symlink(OUT, latest)
        except OSError:
            pass
        log(f"results: {OUT}/results.md")


def _on_signal(sig, frame):
    # once: a second Ctrl-C or TERM must not interrupt the clean-up in main()'s finally block
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    log(f"signal {sig}: stopping")
    raise SystemExit(128 + sig)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    main()
