"""HTTP load generator for the intake benchmark: ``procs`` processes × ``threads`` threads, each
thread sending its share of prepared POST /api/events bodies over ``http.client`` (one
connection per thread, reopened when the server closes it: gunicorn's sync workers close after
every response). Returns per-request latencies and status counts. Loopback only."""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import threading
import time


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
