#!/usr/bin/env bash
# Our server on a 40-megapixel plain JPEG (docs/protocols.md 9.6) against the same picture as a
# tiled pyramidal TIFF (vips tiffsave --tile --pyramid --compression jpeg), with wrk: random IIIF
# 256x256 tiles and 1024x1024 regions at 512 wide. iipsrv 1.1 cannot serve plain JPEG: our
# figures only. The tile store is off (MAX_IMAGE_CACHE_SIZE=0), the raster cache at its default.
# Environment: DURATION (15) WARMUP (10) THREADS (2) CONNECTIONS (16) XMX (1g) SEED (42) PORT (9203)
#   MVN_ARGS (e.g. -o) OURS_VARS (extra configuration, e.g. RASTER_CACHE_SIZE=0)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
DURATION=${DURATION:-15} WARMUP=${WARMUP:-10} THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-16}
XMX=${XMX:-1g} SEED=${SEED:-42} PORT=${PORT:-9203}
out=$root/target/bench/plain
images=$out/images
mkdir -p "$images"
for tool in wrk curl java mvn vips; do
  command -v $tool >/dev/null || { echo "plain: $tool is missing" >&2; exit 1; }
done
# A 7300x5480 photograph-like picture (smooth noise and gradients), as a plain JPEG and a pyramid.
if [[ ! -f $images/plain.jpg ]]; then
  vips perlin "$out/noise.v" 7300 5480 --cell-size 64 --uchar
  vips bandjoin "$out/noise.v $out/noise.v $out/noise.v" "$out/rgb.v"
  vips copy "$out/rgb.v" "$images/plain.jpg[Q=90]"
  vips tiffsave "$images/plain.jpg" "$images/pyramid.tif" --tile --pyramid --compression jpeg --Q 90 \
    --tile-width 256 --tile-height 256
  rm -f "$out"/*.v
fi
{ mvn -B -q $MVN_ARGS -DskipTests test-compile &&
  mvn -B -q $MVN_ARGS dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
} >"$out/build.log" 2>&1 </dev/null || { cat "$out/build.log"; exit 1; }
classpath=$root/target/classes:$root/target/test-classes:$(cat "$out/classpath.txt")
pid=
cleanup() { [[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; }
trap cleanup EXIT
url=http://127.0.0.1:$PORT/fcgi-bin/iipsrv.fcgi
printf 'plain: %s s per run (+%s s warm-up), wrk -t%s -c%s, -Xmx%s, seed %s\n' "$DURATION" "$WARMUP" "$THREADS" \
  "$CONNECTIONS" "$XMX" "$SEED"
printf '%-10s %-12s %10s %10s %10s\n' image workload req/s p50_ms p99_ms
for image in plain.jpg pyramid.tif; do
  for mode in iiiftile iiifregion; do
    java -Xmx"$XMX" -cp "$classpath" io.github.iipservlet.testsupport.TestServer "$PORT" \
      FILESYSTEM_PREFIX="$images/" MAX_IMAGE_CACHE_SIZE=0 ${OURS_VARS:-} >"$out/server-$image-$mode.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do curl -sf "$url?FIF=$image&OBJ=Max-size" >/dev/null && break; sleep 0.2; done
    export BENCH_MODE=$mode BENCH_IMAGE=$image BENCH_SEED=$SEED PLAIN_W=7300 PLAIN_H=5480
    first=$(curl -s -o /dev/null -w '%{time_total}' "$url?IIIF=$image/1024,1024,256,256/256,/0/default.jpg")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 30s -s bench/plain.lua "$url" >/dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s -s bench/plain.lua "$url" \
      >"$out/wrk-$image-$mode.txt"
    line=$(grep '^RESULT' "$out/wrk-$image-$mode.txt")
    get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    printf '%-10s %-12s %10s %10s %10s   (first tile of a fresh server: %s s; bad %s)\n' "${image%%.*}" "$mode" \
      "$(get rps)" "$(get p50ms)" "$(get p99ms)" "$first" "$(get bad_status)"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  done
done
