-- wrk script for the benchmark: POSTs the body in $BENCH_BODY with the headers in
-- $BENCH_HEADERS (one "name: value" per line), its newest turn numbered per request, and prints
-- one JSON line at the end:
--   BENCH_JSON {"requests":…,"durationUs":…,"non2xx":…,"p50Us":…,…}
local body_file = assert(io.open(os.getenv('BENCH_BODY'), 'rb'))
wrk.method = 'POST'
wrk.body = body_file:read('*a')
body_file:close()
for line in io.lines(os.getenv('BENCH_HEADERS')) do
  local name, value = line:match('^([^:]+):%s*(.*)$')
  if name then wrk.headers[name] = value end
end

-- Each request numbers its newest turn (`#turn-0000#` in the body, as bench/bodies.ts puts
-- it) one of 64 ways, made once per thread: no session sends the same conversation twice.
local marker = '#turn-0000#'
local variants = {}
local sent = 0
init = function(args)
  local at = wrk.body:find(marker, 1, true)
  for index = 0, 63 do
    local body = wrk.body
    if at then
      body = body:sub(1, at - 1) .. string.format('#turn-%04d#', index) .. body:sub(at + #marker)
    end
    variants[index + 1] = wrk.format(nil, nil, nil, body)
  end
end
request = function()
  sent = sent + 1
  return variants[sent % 64 + 1]
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"non2xx":%d,"socketErrors":%d,' ..
      '"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
