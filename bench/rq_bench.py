# RQ itself, as shared/peers/rq_bench.py, with the Redis port as a parameter:
#   /usr/bin/python3 bench/rq_bench.py N simple|fork [PORT]
# Enqueues N no-op jobs (rqjobs.noop from the peers folder), then drains them with one burst worker.
# Flushes the Redis database it uses (db 0 of the bench's own redis-server).
import os, sys, time
from redis import Redis
from rq import Queue
from rq.worker import SimpleWorker, Worker
sys.path.insert(0, os.environ.get("PEERS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peers")))
import rqjobs
n = int(sys.argv[1]); kind = sys.argv[2]; port = int(sys.argv[3]) if len(sys.argv) > 3 else 6379
r = Redis(port=port); r.flushdb()
q = Queue('bench', connection=r)
t0 = time.time()
for i in range(n):
    q.enqueue(rqjobs.noop, i)
t1 = time.time()
W = SimpleWorker if kind == 'simple' else Worker
w = W([q], connection=r)
w.work(burst=True, logging_level='WARNING')
t2 = time.time()
done = len(q.finished_job_registry)
print(f"rq {kind}: enqueue {n/(t1-t0):.0f} jobs/s, process {n/(t2-t1):.0f} jobs/s, finished={done}")
