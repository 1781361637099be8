-- wrk script for bench/soak.sh: a mixed load of tiles, regions, IIIF, JPEG2000, DeepZoom and
-- metadata requests, plus requests for damaged files, missing files and hostile values.
-- Environment (set by soak.sh from the server's own OBJ replies):
--   SOAK_W, SOAK_H, SOAK_RES        big.tif (and big_deflate.tif): size, resolution count
--   SOAK_JW, SOAK_JH, SOAK_JRES     big.jp2: size, resolution count
--   SOAK_DAMAGED                    damaged file names, space-separated (may be empty)
--   SOAK_SEED                       seed; each wrk thread n draws from its own stream
-- Prints one line "RESULT requests=.. seconds=.. rps=.. s2xx=.. s3xx=.. s4xx=.. s5xx=.. banner=..
-- connect=.. read=.. write=.. timeout=.. p50ms=.. p99ms=..".
local W = tonumber(os.getenv("SOAK_W") or "2048")
local H = tonumber(os.getenv("SOAK_H") or "1536")
local RES = tonumber(os.getenv("SOAK_RES") or "4")
local JW = tonumber(os.getenv("SOAK_JW") or "2048")
local JH = tonumber(os.getenv("SOAK_JH") or "1536")
local JRES = tonumber(os.getenv("SOAK_JRES") or "6")
local seed0 = tonumber(os.getenv("SOAK_SEED") or "42")
local damaged = {}
for name in string.gmatch(os.getenv("SOAK_DAMAGED") or "", "%S+") do table.insert(damaged, name) end

local threads = {}
function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

-- Park-Miller minimal standard generator, as bench/workload.lua.
local state
local function rand(n) -- 0 .. n-1
  state = (state * 16807) % 2147483647
  return state % n
end
local function frac() return rand(1000000) / 1000000 end

local base, root
function init(args)
  state = (seed0 * 7919 + (thread_no or 0) * 104729) % 2147483646 + 1
  for _ = 1, 10 do rand(2) end
  base = wrk.path                        -- .../fcgi-bin/iipsrv.fcgi
  root = string.gsub(base, "/fcgi%-bin/iipsrv%.fcgi$", "")
  s2xx, s3xx, s4xx, s5xx, banner = 0, 0, 0, 0, 0
end

-- level r (0 = smallest) of an image of w x h with n resolutions, halved with rounding up
local function level(w, h, n, r)
  local f = 2 ^ (n - 1 - r)
  return math.ceil(w / f), math.ceil(h / f)
end
local function tiles(w, h) return math.ceil(w / 256) * math.ceil(h / 256) end

local function jtl(image, w, h, n)
  local r = n - 1 - rand(math.min(n, 3))
  local lw, lh = level(w, h, n, r)
  return base .. "?FIF=" .. image .. "&JTL=" .. r .. "," .. rand(tiles(lw, lh))
end

local function rgn(image, extra)
  local x, y = frac() * 0.7, frac() * 0.7
  local rw, rh = 0.05 + frac() * 0.25, 0.05 + frac() * 0.25
  return string.format("%s?FIF=%s&RGN=%.6f,%.6f,%.6f,%.6f&WID=%d%s&CVT=jpeg", base, image, x, y, rw, rh,
    200 + rand(800), extra or "")
end

local function iiif(image, w, h)
  local rw, rh = 256 + rand(1024), 256 + rand(1024)
  local x, y = rand(math.max(1, w - rw)), rand(math.max(1, h - rh))
  return string.format("%s/iiif/%s/%d,%d,%d,%d/%d,/0/default.jpg", root, image, x, y, rw, rh, 128 + rand(384))
end

local processing = { "&CNT=1.2", "&GAM=0.8", "&INV", "&CMP=jet", "&CTW=0,0,1;0,1,0;1,0,0", "&CNV=sharpen", "" }
local metadata = {
  "/iiif/big.tif/info.json", "/iiif/big.jp2/info.json", "/deepzoom/big.tif.dzi", "/deepzoom/big.jp2.dzi",
  "/zoomify/big.tif/ImageProperties.xml",
  "/fcgi-bin/iipsrv.fcgi?FIF=big_deflate.tif&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number" }
local probes = { "?FIF=%s&OBJ=Max-size&OBJ=Resolution-number", "?FIF=%s&JTL=1,0", "?FIF=%s&WID=400&CVT=jpeg",
  "?FIF=%s&RGN=0,0,1,1&CVT=jpeg", "/iiif/%s/info.json", "/iiif/%s/256,256,512,512/256,/0/default.jpg",
  "/deepzoom/%s.dzi" }
local hostile = {
  "?FIF=big.tif&WID=99999999&CVT=jpeg", "?FIF=big.tif&RGN=NaN,0,1,1&CVT=jpeg", "?FIF=big.tif&JTL=99,0",
  "?FIF=missing.tif&JTL=0,0", "?FIF=../../etc/passwd&OBJ=Max-size", "/iiif/big.tif/0,0,2147483648,1/max/0/default.jpg",
  "/deepzoom/big.tif_files/0/8388608_0.jpg", "/zoomify/big.tif/TileGroup0/0-8388608-0.jpg", "?IIIF=big.tif/full/max/!0/gray.jpg" }

function request()
  local p = rand(100)
  local url
  if p < 18 then url = jtl("big.tif", W, H, RES)
  elseif p < 28 then url = jtl("big_deflate.tif", W, H, RES)
  elseif p < 37 then url = jtl("big.jp2", JW, JH, JRES)
  elseif p < 50 then url = rgn("big.tif")
  elseif p < 55 then url = rgn("big_deflate.tif", processing[rand(#processing) + 1])
  elseif p < 64 then url = iiif("big.tif", W, H)
  elseif p < 71 then url = iiif("big.jp2", JW, JH)
  elseif p < 75 then
    local lmax = math.ceil(math.log(math.max(W, H)) / math.log(2))
    local l = lmax - rand(3)
    local f = 2 ^ (lmax - l)
    url = string.format("%s/deepzoom/big.tif_files/%d/%d_%d.jpg", root, l, rand(math.ceil(W / f / 256)),
      rand(math.ceil(H / f / 256)))
  elseif p < 80 then url = root .. metadata[rand(#metadata) + 1]
  elseif p < 92 and #damaged > 0 then
    local probe = probes[rand(#probes) + 1]
    local name = damaged[rand(#damaged) + 1]
    if string.sub(probe, 1, 1) == "?" then url = base .. string.format(probe, name)
    else url = root .. string.format(probe, name) end
  else
    local hq = hostile[rand(#hostile) + 1]
    url = (string.sub(hq, 1, 1) == "?" and base or root) .. hq
  end
  return wrk.format("GET", url)
end

function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  elseif status >= 300 then s3xx = s3xx + 1
  else
    s2xx = s2xx + 1
    local ct = headers["Content-Type"] or headers["content-type"] or ""
    if string.find(ct, "text/html", 1, true) then banner = banner + 1 end
  end
end

function done(summary, latency, requests)
  local t = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, banner = 0 }
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f s2xx=%d s3xx=%d s4xx=%d s5xx=%d banner=%d connect=%d read=%d write=%d timeout=%d p50ms=%.1f p99ms=%.1f\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), t.s2xx, t.s3xx, t.s4xx,
    t.s5xx, t.banner, e.connect, e.read, e.write, e.timeout, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
