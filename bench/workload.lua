-- wrk script for bench/run.sh. Environment:
--   BENCH_MODE  fixed  | tile | region | iiiftile | iiifregion
--   BENCH_QUERY (fixed) the query string sent every time
--   BENCH_IMAGE (tile, region) the image, e.g. big.tif
--   BENCH_TILE  (tile) the tile command, JTL by default (WTL: WebP tiles, ATL: AVIF tiles)
--   BENCH_SEED  seed of the generator; each wrk thread n draws from seed+n, so every server
--               gets the same sequence of requests (a faster one just gets further into it)
-- Prints one line "RESULT requests=.. seconds=.. rps=.. bad_status=.. connect=.. read=.. write=.. timeout=..".
local mode = os.getenv("BENCH_MODE") or "fixed"
local query = os.getenv("BENCH_QUERY") or ""
local image = os.getenv("BENCH_IMAGE") or "big.tif"
local tile_cmd = os.getenv("BENCH_TILE") or "JTL"
local seed0 = tonumber(os.getenv("BENCH_SEED") or "42")

local threads_made = 0
function setup(thread)
  thread:set("thread_no", threads_made)
  threads_made = threads_made + 1
end

-- Park-Miller minimal standard generator: exact in doubles, the same on every Lua/LuaJIT.
local state
local function rand(n) -- 0 .. n-1
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
  if mode == "tile" then
    -- 8192x6144 with 256x256 tiles: 32x24 = 768 tiles at full resolution (resolution 5)
    q = "FIF=" .. image .. "&" .. tile_cmd .. "=5," .. rand(768)
  elseif mode == "region" then
    -- a 1024x1024 region at a 256-pixel grid position inside 8192x6144, scaled to 512 wide
    local x = rand(32 - 4 + 1) * 256 / 8192
    local y = rand(24 - 4 + 1) * 256 / 6144
    q = string.format("FIF=%s&RGN=%.8f,%.8f,%.8f,%.8f&WID=512&CVT=jpeg",
      image, x, y, 1024 / 8192, 1024 / 6144)
  elseif mode == "iiiftile" then
    -- the same full-resolution tiles as "tile", asked for as IIIF regions of 256x256 at 256 wide
    local t = rand(768)
    q = string.format("IIIF=%s/%d,%d,256,256/256,/0/default.jpg", image, (t % 32) * 256, math.floor(t / 32) * 256)
  elseif mode == "iiifregion" then
    -- the regions of "region", asked for as IIIF pixel regions scaled to 512 wide
    q = string.format("IIIF=%s/%d,%d,1024,1024/512,/0/default.jpg", image, rand(32 - 4 + 1) * 256,
      rand(24 - 4 + 1) * 256)
  else
    q = query
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
