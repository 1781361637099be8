#!/usr/bin/env bash
# Our server reading the benchmark images from three sources, with wrk: the local folder, S3
# (s3proxy on this machine) and HTTP (RangeFileServer with an added latency per request), tile
# store off. See bench/README.md "Remote sources". Settings (environment):
#   SOURCES="local s3 http"   which to run
#   WORKLOADS="jpeg region"   of bench/workloads.sh: random JTL tiles of big.tif, random 1024x1024
#                             regions at 512 (also deflate, iiiftile, iiifregion, hot, ...)
#   DURATION=15 WARMUP=10     seconds measured per source and workload, after a discarded warm-up
#   THREADS=2 CONNECTIONS=16  wrk -t/-c
#   LATENCY_MS=30             the HTTP store's added latency per request
#   XMX=512m SEED=42 IMAGES=target/conformance-images MVN_ARGS= OURS_VARS=
#   OURS_PORT=9202 S3_PORT=9211 HTTP_PORT=9212
#   S3PROXY_JAR=              default: target/s3proxy/ (mvn -Pexternal copies it there), else ~/.m2
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
SOURCES=${SOURCES:-local s3 http}; WORKLOADS=${WORKLOADS:-jpeg region}
DURATION=${DURATION:-15}; WARMUP=${WARMUP:-10}; THREADS=${THREADS:-2}; CONNECTIONS=${CONNECTIONS:-16}
LATENCY_MS=${LATENCY_MS:-30}; XMX=${XMX:-512m}; SEED=${SEED:-42}; IMAGES=${IMAGES:-target/conformance-images}
MVN_ARGS=${MVN_ARGS:-}; OURS_VARS=${OURS_VARS:-}
OURS_PORT=${OURS_PORT:-9202}; S3_PORT=${S3_PORT:-9211}; HTTP_PORT=${HTTP_PORT:-9212}
S3_BUCKET=bench
out=$root/target/bench-remote; mkdir -p "$out"

for tool in wrk curl java mvn; do
  command -v $tool >/dev/null || { echo "remote: $tool is missing (apt-get install wrk curl)" >&2; exit 1; }
done

source bench/images.sh
source bench/workloads.sh
bench_images

# ---- build: our classes, the test support (TestServer, S3ProxyServer, RangeFileServer), the class path
echo "remote: building (mvn test-compile, dependency:build-classpath)"
{ mvn -B -q $MVN_ARGS -DskipTests test-compile &&
  mvn -B -q $MVN_ARGS dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
} >"$out/build.log" 2>&1 </dev/null || { cat "$out/build.log"; echo "remote: build failed" >&2; exit 1; }
classpath=$root/target/classes:$root/target/test-classes:$(cat "$out/classpath.txt")

s3proxy_version=$(sed -n 's:.*<s3proxy.version>\(.*\)</s3proxy.version>.*:\1:p' pom.xml)
if [[ -z ${S3PROXY_JAR:-} ]]; then
  S3PROXY_JAR=$root/target/s3proxy/s3proxy-$s3proxy_version-jar-with-dependencies.jar
  [[ -f $S3PROXY_JAR ]] || S3PROXY_JAR=$HOME/.m2/repository/org/gaul/s3proxy/$s3proxy_version/s3proxy-$s3proxy_version-jar-with-dependencies.jar
fi

# ---- processes
pids=()
ours_pid=
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
stop_ours() { [[ -n $ours_pid ]] && stop_pid "$ours_pid"; ours_pid=; return 0; }
cleanup() { stop_ours; for p in "${pids[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_line FILE PID PATTERN: until FILE has a line matching PATTERN (60 s), or PID is gone
wait_line() {
  for _ in $(seq 600); do
    grep -q "$3" "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

declare -A source_failed=()
s3_log=
if [[ " $SOURCES " == *" s3 "* ]]; then
  if [[ ! -f $S3PROXY_JAR ]]; then
    source_failed[s3]="no s3proxy jar at $S3PROXY_JAR (mvn -Pexternal test-compile copies it into target/s3proxy/)"
  else
    rm -rf "$out/s3"
    java -cp "$classpath" io.github.iipservlet.testsupport.S3ProxyServer "--jar=$S3PROXY_JAR" \
      "--basedir=$out/s3" "--port=$S3_PORT" --count-requests "--bucket=$S3_BUCKET=$IMAGES" \
      >"$out/s3proxy-main.log" 2>&1 </dev/null &
    pids+=($!)
    if wait_line "$out/s3proxy-main.log" $! '^listening'; then
      s3_log=$(sed -n 's/^listening.* log \(.*\)$/\1/p' "$out/s3proxy-main.log")
      s3_identity=$(sed -n 's/^listening.* identity \([^ ]*\) .*/\1/p' "$out/s3proxy-main.log")
      s3_credential=$(sed -n 's/^listening.* credential \([^ ]*\) .*/\1/p' "$out/s3proxy-main.log")
      # s3proxy refuses SigV4 without x-amz-content-sha256, which curl does not send by itself
      check=$(curl -s -o /dev/null -w '%{http_code} %{size_download} bytes, ETag %header{etag}' \
        --aws-sigv4 "aws:amz:us-east-1:s3" --user "$s3_identity:$s3_credential" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -r 0-99 \
        "http://127.0.0.1:$S3_PORT/$S3_BUCKET/big.tif" 2>&1 || true)
      echo "remote: s3proxy at http://127.0.0.1:$S3_PORT, bucket $S3_BUCKET (links to $IMAGES); GET bytes=0-99 of big.tif -> $check"
    else
      source_failed[s3]="s3proxy did not start (see $out/s3proxy-main.log)"
    fi
  fi
fi
if [[ " $SOURCES " == *" http "* ]]; then
  java -cp "$classpath" io.github.iipservlet.testsupport.RangeFileServer "$IMAGES" "$HTTP_PORT" \
    "--latency-ms=$LATENCY_MS" >"$out/range-server.log" 2>&1 </dev/null &
  pids+=($!)
  if wait_line "$out/range-server.log" $! '^listening'; then
    check=$(curl -s -o /dev/null -w '%{http_code} %{size_download} bytes in %{time_total} s, ETag %header{etag}' \
      -r 0-99 "http://127.0.0.1:$HTTP_PORT/big.tif" 2>&1 || true)
    echo "remote: RangeFileServer at http://127.0.0.1:$HTTP_PORT/ ($LATENCY_MS ms per request) serving $IMAGES; GET bytes=0-99 of big.tif -> $check"
  else
    source_failed[http]="RangeFileServer did not start (see $out/range-server.log)"
  fi
fi

# store_requests SOURCE -> the store's request count so far, or "-" (local: no store)
store_requests() {
  case $1 in
    s3) { grep 'S3ProxyHandler.*request: Request(' "$s3_log" 2>/dev/null || true; } | { grep -vc iip-s3proxyserver-probe || true; } ;;
    http) curl -s "http://127.0.0.1:$HTTP_PORT/__counters" | sed -E 's/.*"requests":([0-9]+).*/\1/' ;;
    *) echo - ;;
  esac
}
store_bytes() {
  case $1 in
    http) curl -s "http://127.0.0.1:$HTTP_PORT/__counters" | sed -E 's/.*"bytesSent":([0-9]+).*/\1/' ;;
    *) echo - ;;
  esac
}

# start_ours SOURCE: our server with that source; 0 when it answers
start_ours() {
  local vars=(MAX_IMAGE_CACHE_SIZE=0 "CORS=*") envs=()
  case $1 in
    local) vars+=("FILESYSTEM_PREFIX=$IMAGES/") ;;
    s3) vars+=("FILESYSTEM_PREFIX=s3://$S3_BUCKET/" "S3_ENDPOINT=http://127.0.0.1:$S3_PORT" S3_REGION=us-east-1 S3_PATH_STYLE=1)
        envs=("AWS_ACCESS_KEY_ID=$s3_identity" "AWS_SECRET_ACCESS_KEY=$s3_credential") ;;
    http) vars+=("FILESYSTEM_PREFIX=http://127.0.0.1:$HTTP_PORT/") ;;
  esac
  # The settings go both ways: as variables of the environment and as TestServer's overrides.
  env "${vars[@]}" "${envs[@]}" java -Xmx"$XMX" -cp "$classpath" io.github.iipservlet.testsupport.TestServer \
    "$OURS_PORT" "${vars[@]}" $OURS_VARS >"$out/ours-$1.log" 2>&1 </dev/null &
  ours_pid=$!
  ours_url=http://127.0.0.1:$OURS_PORT/fcgi-bin/iipsrv.fcgi
  for _ in $(seq 600); do
    curl -s -o /dev/null "$ours_url?OBJ=IIP,1.0" && return 0
    kill -0 "$ours_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

rows=(); failures=0
row() { rows+=("$(printf '%-6s %-8s %10s %10s %10s %14s %14s  %s' "$@")"); }
printf 'remote: %s s per source and workload (+%s s warm-up), wrk -t%s -c%s, seed %s, MAX_IMAGE_CACHE_SIZE=0, images %s\n' \
  "$DURATION" "$WARMUP" "$THREADS" "$CONNECTIONS" "$SEED" "$IMAGES"
for src in $SOURCES; do
  if [[ -n ${source_failed[$src]:-} ]]; then
    echo "remote: $src: FAILED: ${source_failed[$src]}"
    for workload in $WORKLOADS; do row "$src" "$workload" - - - - - "FAILED: ${source_failed[$src]}"; done
    failures=$((failures + 1)); continue
  fi
  echo "remote: $src: starting our server"
  if ! start_ours "$src"; then
    why="our server did not come up (see $out/ours-$src.log)"
    cause=$(grep -m1 -E '^(Caused by: )?[a-z]+(\.[a-zA-Z0-9_$]+)+(Exception|Error)' "$out/ours-$src.log" | cut -c1-200 || true)
    [[ -n $cause ]] && why="$why: $cause"
    echo "remote: $src: FAILED: $why"
    for workload in $WORKLOADS; do row "$src" "$workload" - - - - - "FAILED: $why"; done
    stop_ours; failures=$((failures + 1)); continue
  fi
  for workload in $WORKLOADS; do
    setup_workload "$workload"
    probe_out=$(curl -s -o "$out/probe-$src-$workload.out" -w '%{http_code} %{content_type} %{size_download}' "$ours_url?$probe" || true)
    echo "  $src $workload: probe ?$probe -> $probe_out"
    if [[ $probe_out != "200 image/jpeg "* ]]; then
      why="probe answered $probe_out: $(head -c 200 "$out/probe-$src-$workload.out" | tr -c '[:print:]' ' ')"
      row "$src" "$workload" - - - - - "FAILED: $why"; failures=$((failures + 1)); continue
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 30s -s bench/workload.lua "$ours_url" >/dev/null
    req0=$(store_requests "$src"); bytes0=$(store_bytes "$src")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s -s bench/workload.lua "$ours_url" >"$out/wrk-$src-$workload.txt"
    req1=$(store_requests "$src"); bytes1=$(store_bytes "$src")
    line=$(grep '^RESULT' "$out/wrk-$src-$workload.txt")
    echo "  $src $workload: $line"
    n=$(sed -E 's/.* requests=([0-9]+).*/\1/' <<<"$line")
    rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")
    p99=$(sed -E 's/.* p99ms=([0-9.]+).*/\1/' <<<"$line")
    bad=$(sed -E 's/.* bad_status=([0-9]+).*/\1/' <<<"$line")
    sock=$(awk '{for(i=1;i<=NF;i++){split($i,a,"="); if(a[1]~/^(connect|read|write|timeout)$/) s+=a[2]} print s+0}' <<<"$line")
    per=$(awk -v a="$req0" -v b="$req1" -v n="$n" 'BEGIN { if (a == "-" || n == 0) print "-"; else printf "%.2f", (b - a) / n }')
    kb=$(awk -v a="$bytes0" -v b="$bytes1" -v n="$n" 'BEGIN { if (a == "-" || n == 0) print "-"; else printf "%.1f", (b - a) / n / 1024 }')
    note=""; if (( bad + sock > 0 )); then note="ERRORS"; failures=$((failures + 1)); fi
    row "$src" "$workload" "$rps" "$p99" "$bad/$sock" "$per" "$kb" "$note"
  done
  stop_ours
done

echo
printf '%-6s %-8s %10s %10s %10s %14s %14s\n' source workload "req/s" "p99 ms" errors "store req/rep" "store KB/rep"
for r in "${rows[@]}"; do echo "$r"; done
echo "(errors = responses with status >= 400 / socket errors; store req/rep = requests the store received"
echo " per reply while measuring: s3 from s3proxy's log, http from RangeFileServer's /__counters; KB: http only)"
echo "logs, wrk outputs: $out/"
if (( failures )); then
  echo "remote: $failures source/workload runs FAILED or had errors (see above)"
  exit 2
fi
