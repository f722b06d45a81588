-- One benchmark point for wrk, configured by environment variables (bench/bench.py sets them):
--   BENCH_METHOD   GET or POST
--   BENCH_PATH     request path
--   BENCH_AUTH     Authorization header value (client_secret_basic), optional
--   BENCH_BODY     form body; "{v}" is replaced by the next pool value
--   BENCH_BEARER   "1": the pool value is sent as "Authorization: Bearer <value>"
--   BENCH_POOL     file of values, one per line. Each wrk thread takes every n-th line, so single-use
--                  values (codes, refresh tokens) are never sent twice; a thread that runs out starts
--                  again from its first value and counts it as wrapped (those requests then fail).
--   BENCH_THREADS  the -t given to wrk
-- done() prints one line, "BENCH_RESULT {json}", with the request count, latency percentiles and errors.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local auth = os.getenv("BENCH_AUTH") or ""
local body_template = os.getenv("BENCH_BODY") or ""
local bearer = os.getenv("BENCH_BEARER") == "1"
local pool_file = os.getenv("BENCH_POOL") or ""

local pool = {}
local position = 0
wrapped = 0

function init(args)
  local count = tonumber(os.getenv("BENCH_THREADS") or "1")
  if pool_file ~= "" then
    local index = 0
    for line in io.lines(pool_file) do
      if line ~= "" then
        if index % count == thread_id then
          table.insert(pool, line)
        end
        index = index + 1
      end
    end
  end
  if #pool == 0 then
    -- Nothing varies: one prebuilt request.
    local headers = {}
    if auth ~= "" then headers["Authorization"] = auth end
    if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
    fixed = wrk.format(method, path, headers, method == "POST" and body_template or nil)
  end
end

function request()
  if fixed then
    return fixed
  end
  position = position + 1
  if position > #pool then
    position = 1
    wrapped = wrapped + #pool
  end
  local value = pool[position]
  local headers = {}
  local body = nil
  if bearer then
    headers["Authorization"] = "Bearer " .. value
  elseif auth ~= "" then
    headers["Authorization"] = auth
  end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = body_template:gsub("{v}", value)
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local reused = 0
  for _, thread in ipairs(threads) do
    reused = reused + (tonumber(thread:get("wrapped")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "status_errors": %d, "socket_errors": %d, "timeouts": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write, e.timeout, reused))
end
