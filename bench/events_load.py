"""HTTP load generators for the intake benchmark, each POSTing every prepared body exactly once
and returning per-request latencies, status counts and the event numbers of the 201 responses.
Loopback only.

- :func:`run_load`: ``procs`` processes × ``threads`` threads, each thread sending its share of
  the bodies over ``http.client`` (one connection per thread, reopened when the server closes it:
  gunicorn's sync workers close after every response). Needs nothing but Python, but the client
  takes much of a small machine's CPU.
- :func:`run_load_wrk`: wrk (``apt-get install wrk``) driven by a Lua script; far lighter."""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path


def _thread(port, bodies, headers, out_lat, out_status, out_numbers, start_at):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.time() < start_at:
        time.sleep(0.001)
    for body in bodies:
        t = time.perf_counter()
        try:
            conn.request("POST", "/api/events", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            if resp.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            status, data = f"error:{type(exc).__name__}", b""
        out_lat.append(time.perf_counter() - t)
        out_status[status] = out_status.get(status, 0) + 1
        if status == 201:
            out_numbers.append(json.loads(data)["number"])
        elif len(out_status) < 20 and status not in (200,):
            out_status.setdefault("sample:" + str(status), data[:300].decode("utf-8", "replace"))
    conn.close()


def _proc(port, bodies, headers, threads, start_at, queue):
    lat, status, numbers = [], {}, []
    parts = [bodies[i::threads] for i in range(threads)]
    ts = [threading.Thread(target=_thread, args=(port, p, headers, lat, status, numbers, start_at)) for p in parts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    queue.put((lat, status, numbers))


def run_load(port: int, bodies: list[bytes], headers: dict, procs: int = 2, threads: int = 4) -> dict:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    start_at = time.time() + 0.5
    ps = [ctx.Process(target=_proc, args=(port, bodies[i::procs], headers, threads, start_at, q))
          for i in range(procs)]
    for p in ps:
        p.start()
    results = [q.get() for _ in ps]
    end = time.time()
    for p in ps:
        p.join()
    lat, status, numbers = [], {}, []
    for lt, st, nb in results:
        lat += lt
        numbers += nb
        for k, v in st.items():
            status[k] = v if isinstance(v, str) else status.get(k, 0) + v
    return {"latencies": lat, "status": status, "numbers": numbers, "wall": end - start_at}


# --- wrk -----------------------------------------------------------------------------------------
#
# wrk (C, epoll) takes about half the CPU of the Python client above. It runs for a duration,
# not a count, so the Lua script below sends each body exactly once: the body index is a counter
# shared by the wrk threads (LuaJIT ffi, a C struct behind a pthread mutex), so all threads finish
# together. A connection that finds the bodies exhausted while others still wait for responses must
# still send something (wrk calls request() after every reconnect, and gunicorn's sync workers close
# after each response): it sends a request with an invalid (lower-case) method, refused by gunicorn
# itself (400, no Django) and recognised by its marker in the response; those are counted apart and
# left out of statuses and latencies. A thread stops once every body has its response (not before:
# a stopped wrk thread leaves its connections open, and an idle connection holds a sync worker), and
# the script writes a "done" file; this side then interrupts wrk (its duration is only a safety net).
# Latency per request: from request() to response() (what wrk itself measures); the request is
# found by the response's "title" when the bodies' titles are unique (a 201 EventOut carries it),
# else the thread's oldest outstanding request (exact on average, approximate per request).

WRK_EXTRA_METHOD = "jwbenchextra"

WRK_SCRIPT = r'''
local okffi, ffi = pcall(require, "ffi")
if not okffi then
  io.stderr:write("jw-wrk: this wrk has no LuaJIT ffi\n")
  os.exit(3)
end
ffi.cdef[[
typedef union { char size[64]; long align; } jw_mutex_t;  /* pthread_mutex_t: 40 bytes on x86-64 */
typedef struct { long tv_sec; long tv_nsec; } jw_timespec_t;
typedef struct { jw_mutex_t mu; double next; double received; double t_first; double t_last; } jw_shared_t;
int pthread_mutex_lock(jw_mutex_t *m);
int pthread_mutex_unlock(jw_mutex_t *m);
int clock_gettime(int clk, jw_timespec_t *ts);
void *calloc(size_t n, size_t size);
]]
local C = ffi.C
local ts = ffi.new("jw_timespec_t")
local function now()
  C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end
local MARK = "__MARK__"

-- main state -------------------------------------------------------------------------------------
local threads = {}
function setup(thread)
  if S == nil then
    S = ffi.cast("jw_shared_t *", C.calloc(1, ffi.sizeof("jw_shared_t")))
    shared_addr = tonumber(ffi.cast("uintptr_t", S))
  end
  thread:set("id", #threads)
  thread:set("shared_addr", shared_addr)
  threads[#threads + 1] = thread
end

-- thread states ----------------------------------------------------------------------------------
function init(args)
  S = ffi.cast("jw_shared_t *", shared_addr)
  local hdrs = {}
  for line in io.lines(os.getenv("JW_WRK_HEADERS")) do
    local k, v = line:match("^([^:]+): (.*)$")
    if k then hdrs[k] = v end
  end
  reqs, title_idx = {}, {}
  local i = 0
  for body in io.lines(os.getenv("JW_WRK_BODIES")) do
    reqs[i] = wrk.format("POST", wrk.path, hdrs, body)
    local t = body:match('"title"%s*:%s*"([^"]*)"')
    if t then
      if title_idx[t] == nil then title_idx[t] = i else title_idx[t] = false end
    end
    i = i + 1
  end
  N = i
  extra = MARK .. " " .. wrk.path .. " HTTP/1.1\r\nHost: " .. (hdrs["Host"] or wrk.host) .. "\r\n\r\n"
  verifying = (id == 0)  -- wrk calls request() of thread 0 once before the run, to check it parses
  pending, mine, head = {}, {}, 1
  statuses, samples, lats, numbers = {}, {}, {}, {}
  extras, matched, fifo = 0, 0, 0
  progress_at = 0
end

local function finish_if_all_in()
  if S.received >= N then wrk.thread:stop() end
end

function request()
  if verifying then
    verifying = false
    return reqs[0] or extra
  end
  local t = now()
  C.pthread_mutex_lock(S.mu)
  local i = S.next
  if i < N then
    S.next = i + 1
    if i == 0 then S.t_first = t end
  end
  C.pthread_mutex_unlock(S.mu)
  if i < N then
    pending[i] = t
    mine[#mine + 1] = i
    return reqs[i]
  end
  finish_if_all_in()
  return extra
end

function response(status, headers, body)
  local t = now()
  if status == 400 and body:find(MARK, 1, true) then
    extras = extras + 1
    finish_if_all_in()
    return
  end
  statuses[status] = (statuses[status] or 0) + 1
  local i
  local title = body:match('"title"%s*:%s*"([^"]*)"')
  if title then i = title_idx[title] end
  if i and pending[i] then
    matched = matched + 1
  else
    while head <= #mine and pending[mine[head]] == nil do head = head + 1 end
    i = mine[head]
    fifo = fifo + 1
  end
  if i then
    lats[#lats + 1] = t - pending[i]
    pending[i] = nil
  end
  if status == 201 then
    local n = body:match('"number"%s*:%s*"([^"]*)"')
    if n then numbers[#numbers + 1] = n end
  elseif samples[status] == nil then
    samples[status] = body:sub(1, 300):gsub("[\r\n]", " ")
  end
  C.pthread_mutex_lock(S.mu)
  S.received = S.received + 1
  if t > S.t_last then S.t_last = t end
  local r = S.received
  C.pthread_mutex_unlock(S.mu)
  if r == N then
    local f = io.open(os.getenv("JW_WRK_DONE"), "w")
    f:write("done\n")
    f:close()
  elseif t - progress_at > 0.5 then  -- a sign of life for the caller's stall check
    progress_at = t
    local f = io.open(os.getenv("JW_WRK_PROGRESS"), "w")
    if f then f:write(string.format("%d\n", r)); f:close() end
  end
  finish_if_all_in()
end

-- main state, after the run ----------------------------------------------------------------------
function done(summary, latency, requests)
  local out = io.open(os.getenv("JW_WRK_OUT"), "w")
  out:write(string.format("sent %d\nreceived %d\nwall %.9f\n", S.next, S.received, S.t_last - S.t_first))
  for k, v in pairs(summary.errors) do out:write(string.format("err %s %d\n", k, v)) end
  for _, th in ipairs(threads) do
    out:write(string.format("extras %d\nmatched %d\nfifo %d\n", th:get("extras"), th:get("matched"), th:get("fifo")))
    for k, v in pairs(th:get("statuses")) do out:write(string.format("status %d %d\n", k, v)) end
    for _, v in ipairs(th:get("lats")) do out:write(string.format("lat %.9f\n", v)) end
    for _, v in ipairs(th:get("numbers")) do out:write("num ", v, "\n") end
    for k, v in pairs(th:get("samples")) do out:write(string.format("sample %d ", k), v, "\n") end
  end
  out:close()
end
'''.replace("__MARK__", WRK_EXTRA_METHOD)


def wrk_path() -> str | None:
    """The wrk binary, or None when it is not installed (Debian package ``wrk``)."""
    return shutil.which("wrk") or ("/usr/bin/wrk" if os.path.exists("/usr/bin/wrk") else None)


def wrk_version(path: str | None = None) -> str:
    """``4.1.0`` (``wrk -v`` prints e.g. ``wrk debian/4.1.0-3+b2 [epoll] ...``)."""
    path = path or wrk_path()
    out = subprocess.run([path, "-v"], capture_output=True, text=True).stdout
    m = re.search(r"wrk \S*?(\d+\.\d+(?:\.\d+)?)", out)
    return m.group(1) if m else "?"


def run_load_wrk(port: int, bodies: list[bytes], headers: dict, connections: int, threads: int,
                 path: str = "/api/events", wrk: str | None = None, stall_s: float = 60.0) -> dict:
    """POST each body in ``bodies`` exactly once with wrk (``threads`` threads, ``connections``
    connections). Returns the dict of :func:`run_load` (latencies in seconds, status counts with
    int keys, event numbers of the 201 responses, wall seconds from the first request to the last
    response) plus ``extras`` (the filler requests of the tail, see above), ``lat_by_title`` /
    ``lat_fifo`` (how each latency was paired with its request) and ``errors`` (wrk's socket errors).
    When no response comes for ``stall_s`` seconds (server gone, requests lost to socket errors),
    wrk is stopped and the missing responses are counted as status ``error:no-response``."""
    wrk = wrk or wrk_path()
    if not wrk:
        raise RuntimeError("wrk is not installed")
    if not bodies:
        raise ValueError("no bodies")
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory(prefix="jw-wrk-") as d:
        d = Path(d)
        with open(d / "bodies", "wb") as f:
            for b in bodies:
                if b"\n" in b or b"\r" in b:
                    raise ValueError("a body holds a line break (the script reads one body per line)")
                f.write(b + b"\n")
        with open(d / "headers", "w") as f:
            for k, v in headers.items():
                if "\n" in f"{k}{v}" or ":" in k:
                    raise ValueError(f"bad header {k!r}")
                f.write(f"{k}: {v}\n")
        (d / "script.lua").write_text(WRK_SCRIPT)
        env = {**os.environ, "JW_WRK_BODIES": str(d / "bodies"), "JW_WRK_HEADERS": str(d / "headers"),
               "JW_WRK_OUT": str(d / "out"), "JW_WRK_DONE": str(d / "done"), "JW_WRK_PROGRESS": str(d / "progress")}
        duration = int(60 + len(bodies) / 10)  # a safety net: the run ends when every body has its response
        proc = subprocess.Popen([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                                 "--timeout", "60s", "-s", str(d / "script.lua"), f"http://127.0.0.1:{port}{path}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=d)
        t_sig, give_up = None, time.monotonic() + duration + 60
        started, last_mtime = time.time(), None
        try:
            while True:
                try:
                    proc.wait(timeout=0.01)
                    break
                except subprocess.TimeoutExpired:
                    pass
                finished = (d / "done").exists()
                if not finished:
                    try:
                        last_mtime = (d / "progress").stat().st_mtime
                    except FileNotFoundError:
                        pass
                    finished = time.time() - (last_mtime or started) > stall_s
                if finished and (t_sig is None or time.monotonic() - t_sig > 0.5):
                    # wrk ignores SIGINT until all its threads have started: repeat until it exits.
                    proc.send_signal(signal.SIGINT)
                    t_sig = time.monotonic()
                if time.monotonic() > give_up:
                    raise RuntimeError("wrk did not finish")
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        stdout, stderr = proc.communicate()
        if not (d / "out").exists():
            raise RuntimeError(f"wrk failed (exit {proc.returncode}): {stderr.decode()[-2000:]} "
                               f"{stdout.decode()[-2000:]}")
        lines = (d / "out").read_text(encoding="utf-8", errors="replace").splitlines()
    lat, status, numbers, errors = [], {}, [], {}
    info = {"extras": 0, "matched": 0, "fifo": 0}
    sent = received = 0
    wall = float("nan")
    for ln in lines:
        kind, _, rest = ln.partition(" ")
        if kind == "lat":
            lat.append(float(rest))
        elif kind == "num":
            numbers.append(rest)
        elif kind == "status":
            k, v = rest.split()
            status[int(k)] = status.get(int(k), 0) + int(v)
        elif kind in info:
            info[kind] += int(rest)
        elif kind == "sample":
            k, _, text = rest.partition(" ")
            status.setdefault("sample:" + k, text)
        elif kind == "err":
            k, v = rest.split()
            if int(v):
                errors[k] = int(v)
        elif kind == "sent":
            sent = int(rest)
        elif kind == "received":
            received = int(rest)
        elif kind == "wall":
            wall = float(rest)
    if received < len(bodies):  # requests sent but never answered (socket errors), or never sent
        status["error:no-response"] = len(bodies) - received
    return {"latencies": lat, "status": status, "numbers": numbers, "wall": wall, "sent": sent,
            "extras": info["extras"], "lat_by_title": info["matched"], "lat_fifo": info["fifo"], "errors": errors}


class Loader:
    """The load generator chosen by ``--load``: ``wrk`` (``auto`` when it is installed) or
    ``python`` (:func:`run_load`; ``auto`` without wrk, then ``fallback`` is true)."""

    def __init__(self, choice: str = "auto", procs: int = 2, threads: int | None = None,
                 connections: int | None = None):
        self.wrk = wrk_path() if choice in ("auto", "wrk") else None
        if choice == "wrk" and not self.wrk:
            raise RuntimeError("--load wrk: wrk is not installed (apt-get install wrk)")
        self.kind = "wrk" if self.wrk else "python"
        self.fallback = choice == "auto" and not self.wrk
        self.version = wrk_version(self.wrk) if self.wrk else None
        self.procs = procs
        self.threads = threads or (2 if self.kind == "wrk" else 4)
        self.connections = connections

    def conns(self, workers: int) -> int:
        """wrk connections: ``--client-conns`` or 4 per worker, at least 8; a multiple of the
        threads (wrk gives each thread connections // threads)."""
        c = max(self.connections or max(8, 4 * workers), self.threads)
        return c - c % self.threads

    def describe(self, workers: int) -> dict:
        if self.kind == "wrk":
            return {"kind": "wrk", "version": self.version, "threads": self.threads, "connections": self.conns(workers)}
        return {"kind": "python", "procs": self.procs, "threads": self.threads, "fallback": self.fallback}

    def run(self, port: int, bodies: list[bytes], headers: dict, workers: int, warm: bool = False) -> dict:
        """POST every body once. ``warm``: a warm-up (enough concurrency to reach every worker)."""
        if self.kind == "wrk":
            if warm:
                return run_load_wrk(port, bodies, headers, connections=2 * workers, threads=1)
            return run_load_wrk(port, bodies, headers, connections=self.conns(workers), threads=self.threads)
        if warm:
            return run_load(port, bodies, headers, procs=1, threads=2 * workers)
        return run_load(port, bodies, headers, procs=self.procs, threads=self.threads)


def describe_text(client: dict | None) -> str:
    """``wrk 4.1.0 (2 threads, 8 connections)`` / ``Python http.client (2 processes × 4 threads)``."""
    if not client or client.get("kind") == "python":
        c = client or {"procs": 2, "threads": 4}
        return (f"Python `http.client` ({c['procs']} processes × {c['threads']} threads"
                + (", wrk not installed" if c.get("fallback") else "") + ")")
    return f"wrk {client['version']} ({client['threads']} threads, {client['connections']} connections)"
