-- wrk script for bench/plain.sh: random IIIF tiles or regions of a PLAIN_W x PLAIN_H image.
--   BENCH_MODE  iiiftile (256x256 full-resolution tiles) | iiifregion (1024x1024 at 512 wide)
--   BENCH_IMAGE the identifier; BENCH_SEED the generator's seed (every thread n draws from seed+n)
-- Prints the same RESULT line as bench/workload.lua.
local mode = os.getenv("BENCH_MODE") or "iiiftile"
local image = os.getenv("BENCH_IMAGE") or "plain.jpg"
local w = tonumber(os.getenv("PLAIN_W") or "7300")
local h = tonumber(os.getenv("PLAIN_H") or "5480")
local seed0 = tonumber(os.getenv("BENCH_SEED") or "42")
local threads_made = 0
function setup(thread)
  thread:set("thread_no", threads_made)
  threads_made = threads_made + 1
end
local state
local function rand(n)
  state = (state * 16807) % 2147483647
  return state % n
end
local base
function init(args)
  state = (seed0 * 7919 + (thread_no or 0) * 104729) % 2147483646 + 1
  for _ = 1, 10 do rand(2) end
  base = wrk.path
end
function request()
  local q
  if mode == "iiiftile" then
    local across, down = math.floor(w / 256), math.floor(h / 256)
    local t = rand(across * down)
    q = string.format("IIIF=%s/%d,%d,256,256/256,/0/default.jpg", image, (t % across) * 256, math.floor(t / across) * 256)
  else
    q = string.format("IIIF=%s/%d,%d,1024,1024/512,/0/default.jpg", image, rand(math.floor((w - 1024) / 256)) * 256,
      rand(math.floor((h - 1024) / 256)) * 256)
  end
  return wrk.format("GET", base .. "?" .. q)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f bad_status=%d connect=%d read=%d write=%d timeout=%d p50ms=%.1f p99ms=%.1f\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
