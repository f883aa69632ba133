-- Like shared/peers/intake.lua (one echo job per POST, API key from LEVQOR_KEY), but each wrk thread
-- stops after BENCH_REQUESTS_PER_THREAD answers and prints "BENCH-LIMIT" (bench.py then ends wrk with
-- SIGINT, so the run is bounded in count as well as by -d, and wrk's rate covers the real duration).
wrk.method = "POST"
wrk.body   = '{"workflow":"echo","payload":{"x":1},"priority":"normal"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("LEVQOR_KEY") or "none")

local limit = tonumber(os.getenv("BENCH_REQUESTS_PER_THREAD") or "0")
local count = 0

function response(status, headers, body)
  count = count + 1
  if limit > 0 and count == limit then
    io.write("BENCH-LIMIT\n")
    io.flush()
    wrk.thread:stop()
  end
end
