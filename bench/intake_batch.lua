-- End-to-end intake through the batch endpoint: each request is POST <url> (/api/v1/intake/batch) with
-- {"jobs":[…]} of E2E_BATCH echo jobs (default 100), API key from LEVQOR_KEY.
--
-- Bounded in count and time, with exact accounting: a thread sends batches until it has sent its share
-- of jobs (BENCH_JOBS_PER_THREAD; the last batch is cut to fit) or BENCH_SECONDS have passed, then
-- waits for the answers to every batch it sent. Meanwhile wrk wants a request on every free connection,
-- so those get a cheap filler (GET on the same path, which answers 404 or 405 and creates nothing).
-- Once every batch has been answered the thread prints "BENCH-LIMIT …" and stops (bench.py then ends
-- wrk with SIGINT). No batch is left in flight, so the jobs counted are all the jobs created.
--
-- Jobs created = the "job_id"s in the 2xx answers. done() prints the totals of all threads:
--   BENCH-TOTAL created=<jobs> batches=<answers> non2xx=<answers> fillers=<answers> sent_jobs=<jobs> …
-- A thread that never got all its answers (a connection error lost one; wrk's -d ended the run)
-- prints no BENCH-LIMIT; its answered batches are still in the totals.

local batch      = tonumber(os.getenv("E2E_BATCH") or "100")
local limit_jobs = tonumber(os.getenv("BENCH_JOBS_PER_THREAD") or "0")
local seconds    = tonumber(os.getenv("BENCH_SECONDS") or "0")
local key        = os.getenv("LEVQOR_KEY") or "none"

local function body_of(n)
  local items = {}
  for i = 1, n do
    items[i] = '{"workflow":"echo","payload":{"x":' .. i .. '},"priority":"normal"}'
  end
  return '{"jobs":[' .. table.concat(items, ",") .. ']}'
end

local function post(n)
  local h = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
  return wrk.format("POST", wrk.path, h, body_of(n))
end

local full_req, filler_req
local t_start
local sending = true
local stopped = false
local first = true

-- globals: read by done() through thread:get
sent_jobs, sent_batches = 0, 0
created, answered, non2xx, fillers = 0, 0, 0, 0
statuses = ""

function init(args)
  full_req = post(batch)
  filler_req = wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. key }, nil)
end

function request()
  -- wrk calls request() once on the first thread before the run to check the request (and never sends
  -- that one): the first call of each thread therefore gets a filler, so that no batch is counted as
  -- sent that never was (on the other threads that filler is sent and answered with a 404/405).
  if first then
    first = false
    return filler_req
  end
  if not t_start then t_start = os.time() end
  if sending then
    if (limit_jobs > 0 and sent_jobs >= limit_jobs) or (seconds > 0 and os.time() - t_start >= seconds) then
      sending = false
    end
  end
  if not sending then
    return filler_req
  end
  local n = batch
  if limit_jobs > 0 and limit_jobs - sent_jobs < n then n = limit_jobs - sent_jobs end
  sent_jobs = sent_jobs + n
  sent_batches = sent_batches + 1
  if n == batch then return full_req end
  return post(n)
end

function response(status, headers, body)
  if status == 404 or status == 405 then
    fillers = fillers + 1
  else
    answered = answered + 1
    if status >= 200 and status < 300 then
      local _, n = string.gsub(body or "", '"job_id"', "")
      created = created + n
    else
      non2xx = non2xx + 1
      if #statuses < 200 then statuses = statuses .. status .. "," end
    end
  end
  if not sending and not stopped and answered == sent_batches then
    stopped = true
    io.write(string.format("BENCH-LIMIT created=%d batches=%d\n", created, answered))
    io.flush()
    wrk.thread:stop()
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local t = { sent_jobs = 0, sent_batches = 0, created = 0, answered = 0, non2xx = 0, fillers = 0 }
  local st = ""
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
    st = st .. (th:get("statuses") or "")
  end
  io.write(string.format("BENCH-TOTAL created=%d batches=%d non2xx=%d fillers=%d sent_jobs=%d sent_batches=%d statuses=%s\n",
    t.created, t.answered, t.non2xx, t.fillers, t.sent_jobs, t.sent_batches, st == "" and "-" or st))
end
