#!/usr/bin/env bash
# Throughput of our server against the reference iipsrv, with wrk, on the images of
# src/test/conformance/make-images.sh. See bench/README.md. Settings (environment):
#   DURATION=15   seconds measured per workload and server (after a WARMUP=20 s run, discarded:
#                 a fresh JVM compiles for about 15 s under load before it runs at full speed)
#   THREADS=2 CONNECTIONS=16   wrk -t/-c
#   XMX=512m      our JVM's -Xmx
#   SEED=42       seed of the random tile/region sequences (the same for both servers)
#   WORKLOADS="hot deflate jpeg region dregion iiiftile iiifregion jp2tile jp2region viewer"   which to run
#             (also webptile, webppass, aviftile: bench/workloads.sh)
#   VIEWER_SESSIONS=1 VIEWER_CONNECTIONS=6   the viewer workload: sessions per simulated viewer
#             (each about 300 tiles) and connections per viewer (ViewerTraffic; not wrk, no warm-up)
#   IMAGES=target/conformance-images      made with make-images.sh unless all six files are there
#   REF_PORT=9201 OURS_PORT=9202
#   OURS_URL=http://HOST:PORT/fcgi-bin/iipsrv.fcgi   benchmark that running server as "ours"
#                 (not started, not restarted: its cache settings are its own)
#   OURS=iipsrv   start a second reference iipsrv as "ours" (reference against itself: shows the noise)
#   MVN_ARGS=     extra Maven arguments for the build (e.g. -o)
#   OURS_VARS=    extra configuration for our server, e.g. "JPEG2000_DECODER=jj2000" (the fallback)
#   PROFILE=1     record a JFR profile of our JVM during each measured run (not the warm-up):
#                 target/bench/ours-WORKLOAD.jfr, summarised by bench/jfr-top.py after the table
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
DURATION=${DURATION:-15}; WARMUP=${WARMUP:-20}; THREADS=${THREADS:-2}; CONNECTIONS=${CONNECTIONS:-16}
XMX=${XMX:-512m}; SEED=${SEED:-42}; WORKLOADS=${WORKLOADS:-hot deflate jpeg region dregion iiiftile iiifregion jp2tile jp2region viewer}
IMAGES=${IMAGES:-target/conformance-images}; REF_PORT=${REF_PORT:-9201}; OURS_PORT=${OURS_PORT:-9202}
OURS_URL=${OURS_URL:-}; OURS=${OURS:-java}; MVN_ARGS=${MVN_ARGS:-}; OURS_VARS=${OURS_VARS:-}
PROFILE=${PROFILE:-}
VIEWER_SESSIONS=${VIEWER_SESSIONS:-1}; VIEWER_CONNECTIONS=${VIEWER_CONNECTIONS:-6}
iipsrv_sh=$root/src/test/conformance/iipsrv.sh
out=$root/target/bench; mkdir -p "$out"

for tool in wrk lighttpd curl vips opj_compress java; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install wrk lighttpd iipimage-server libvips-tools libopenjp2-tools curl)" >&2; exit 1; }
done

# ---- images
source bench/images.sh
bench_images

# ---- build ours (and the viewer workload's client, ViewerTraffic, in the test classes)
if [[ -z $OURS_URL && $OURS == java ]] || [[ " $WORKLOADS " == *" viewer "* ]]; then
  echo "bench: building (mvn test-compile, dependency:build-classpath)"
  { mvn -B -q $MVN_ARGS -DskipTests test-compile &&
    mvn -B -q $MVN_ARGS dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
  } >"$out/build.log" 2>&1 </dev/null || { cat "$out/build.log"; echo "bench: build failed" >&2; exit 1; }
  classpath=$root/target/classes:$root/target/test-classes:$(cat "$out/classpath.txt")
fi

# ---- servers
ours_pid=
ours_peak_kb=0
stop_ref() { bash "$iipsrv_sh" stop "$REF_PORT" >/dev/null 2>&1 || true; }
stop_ours() {
  if [[ -n $ours_pid ]]; then
    local hwm; hwm=$(awk '/^VmHWM/ {print $2}' /proc/$ours_pid/status 2>/dev/null || echo 0)
    [[ ${hwm:-0} -gt $ours_peak_kb ]] && ours_peak_kb=$hwm
    last_hwm_kb=${hwm:-0}
    kill "$ours_pid" 2>/dev/null || true; wait "$ours_pid" 2>/dev/null || true; ours_pid=
  fi
  [[ $OURS == iipsrv && -z $OURS_URL ]] && { bash "$iipsrv_sh" stop "$OURS_PORT" >/dev/null 2>&1 || true; }
  return 0
}
cleanup() { stop_ours; stop_ref; }
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_up() { # URL LABEL
  for _ in $(seq 600); do
    curl -s -o /dev/null "$1?FIF=big.tif&OBJ=IIP,1.0" && return 0
    [[ -n $ours_pid ]] && ! kill -0 "$ours_pid" 2>/dev/null && break
    sleep 0.1
  done
  echo "bench: $2 did not come up at $1 (see $out/)" >&2; exit 1
}

# start_servers CACHE: CACHE=default or off (MAX_IMAGE_CACHE_SIZE=0 on both)
start_servers() {
  local vars=()
  [[ $1 == off ]] && vars=(MAX_IMAGE_CACHE_SIZE=0)
  bash "$iipsrv_sh" start "$IMAGES" "$REF_PORT" "${vars[@]}" >/dev/null
  ref_url=http://127.0.0.1:$REF_PORT/fcgi-bin/iipsrv.fcgi
  wait_up "$ref_url" "reference iipsrv"
  if [[ -n $OURS_URL ]]; then
    ours_url=$OURS_URL
  elif [[ $OURS == iipsrv ]]; then
    bash "$iipsrv_sh" start "$IMAGES" "$OURS_PORT" "${vars[@]}" >/dev/null
    ours_url=http://127.0.0.1:$OURS_PORT/fcgi-bin/iipsrv.fcgi
  else
    java -Xmx"$XMX" ${PROFILE:+-XX:FlightRecorderOptions:stackdepth=256} -cp "$classpath" io.github.iipservlet.testsupport.TestServer "$OURS_PORT" \
      "FILESYSTEM_PREFIX=$IMAGES/" "CORS=*" "${vars[@]}" $OURS_VARS >"$out/ours-$workload.log" 2>&1 </dev/null &
    ours_pid=$!
    ours_url=http://127.0.0.1:$OURS_PORT/fcgi-bin/iipsrv.fcgi
  fi
  wait_up "$ours_url" "our server"
}

# ---- workloads (desc, setup_workload: bench/workloads.sh)
source bench/workloads.sh

# The viewer workload: the session file is recorded once per run (the same requests for both
# servers) and replayed once against each freshly started server, without a warm-up run (a warm-up
# would fill the caches the workload is about). Sets what measure sets.
viewer_file=
rm -f "$out/viewer-iipsrv.txt" "$out/viewer-ours.txt"
measure_viewer() { # URL NAME
  if [[ -z $viewer_file ]]; then
    viewer_file=$out/viewer-sessions.txt
    java -cp "$classpath" io.github.iipservlet.testsupport.ViewerTraffic record "$viewer_file" "$SEED" "$VIEWER_SESSIONS" |
      sed 's/^/  /'
  fi
  local profiling=
  if [[ -n $PROFILE && $2 == ours && -n $ours_pid ]]; then
    rm -f "$out/ours-$workload.jfr"
    jcmd "$ours_pid" JFR.start name=bench settings=default >/dev/null && profiling=1
  fi
  java -cp "$classpath" io.github.iipservlet.testsupport.ViewerTraffic replay "$viewer_file" "$1" "$VIEWER_CONNECTIONS" \
    >"$out/viewer-$2.txt" 2>&1 || { cat "$out/viewer-$2.txt"; echo "bench: viewer replay failed" >&2; exit 1; }
  [[ -n $profiling ]] && jcmd "$ours_pid" JFR.stop name=bench filename="$out/ours-$workload.jfr" >/dev/null
  local line; line=$(grep '^RESULT' "$out/viewer-$2.txt")
  echo "  $2 $line"
  r_rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")
  r_bad=$(grep -o 'status_errors=[0-9]*' "$out/viewer-$2.txt" | cut -d= -f2)
  r_sock=$(grep -o 'failures=[0-9]*' "$out/viewer-$2.txt" | cut -d= -f2)
}

# After the table: the viewer workload's viewport times, per server and combination.
viewer_summary() {
  [[ -f $out/viewer-ours.txt || -f $out/viewer-iipsrv.txt ]] || return 0
  echo
  echo "viewer: time for a whole viewport to arrive, ms (p50 / p99; nearest rank over the viewports)"
  printf '%-26s %10s %18s %18s\n' combination viewports "iipsrv p50/p99" "ours p50/p99"
  awk '
    FNR == 1 { side = (FILENAME ~ /iipsrv/) ? "ref" : "ours" }
    { name = ""; n = ""; p50 = ""; p99 = "" }
    /^RESULT/ { name = "all" }
    /^  [a-z]+ [^ ]+ +viewports=/ { name = $1 " " $2 }
    name != "" {
      for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "viewports") n = kv[2]; if (kv[1] == "p50ms") p50 = kv[2]; if (kv[1] == "p99ms") p99 = kv[2] }
      if (!(name in seen)) { seen[name] = 1; order[++count] = name }
      views[name] = n; t[name, side] = p50 " / " p99
    }
    END { for (i = 1; i <= count; i++) { k = order[i]; printf "%-26s %10s %18s %18s\n", k, views[k], ((k, "ref") in t) ? t[k, "ref"] : "-", ((k, "ours") in t) ? t[k, "ours"] : "-" } }
  ' $( [[ -f $out/viewer-iipsrv.txt ]] && echo "$out/viewer-iipsrv.txt") $( [[ -f $out/viewer-ours.txt ]] && echo "$out/viewer-ours.txt")
}

measure() { # URL NAME -> sets r_rps r_bad r_sock
  local probe_out
  probe_out=$(curl -s -o /dev/null -w '%{http_code} %{content_type} %{size_download}' "$1?$probe")
  echo "  $2 probe ?$probe -> $probe_out"
  if [[ $workload == viewer ]]; then measure_viewer "$1" "$2"; return; fi
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 30s -s bench/workload.lua "$1" >/dev/null
  local profiling=
  if [[ -n $PROFILE && $2 == ours && -n $ours_pid ]]; then
    rm -f "$out/ours-$workload.jfr"
    jcmd "$ours_pid" JFR.start name=bench settings=default >/dev/null && profiling=1
  fi
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s -s bench/workload.lua "$1" >"$out/wrk-$workload-$2.txt"
  [[ -n $profiling ]] && jcmd "$ours_pid" JFR.stop name=bench filename="$out/ours-$workload.jfr" >/dev/null
  local line; line=$(grep '^RESULT' "$out/wrk-$workload-$2.txt")
  echo "  $2 $line"
  r_rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")
  r_bad=$(sed -E 's/.* bad_status=([0-9]+).*/\1/' <<<"$line")
  r_sock=$(awk '{for(i=1;i<=NF;i++){split($i,a,"="); if(a[1]~/^(connect|read|write|timeout)$/) s+=a[2]} print s+0}' <<<"$line")
}

rows=(); errors=0
printf 'bench: %s s per workload and server (+%s s warm-up), wrk -t%s -c%s, seed %s, images %s\n' \
  "$DURATION" "$WARMUP" "$THREADS" "$CONNECTIONS" "$SEED" "$IMAGES"
for workload in $WORKLOADS; do
  setup_workload "$workload"
  echo "bench: $workload: ${desc[$workload]}"
  start_servers "$cache"
  if [[ $ref_serves == 1 ]]; then
    measure "$ref_url" iipsrv; ref_rps=$r_rps; ref_err="$r_bad/$r_sock"; ref_n=$((r_bad + r_sock))
  else
    echo "  iipsrv: not measured (iipsrv 1.1 cannot answer this workload)"; ref_rps=n/a; ref_err=-; ref_n=0
  fi
  measure "$ours_url" ours; ours_rps=$r_rps; ours_err="$r_bad/$r_sock"; ours_n=$((r_bad + r_sock))
  last_hwm_kb=0; stop_ours; stop_ref
  rss=$([[ $last_hwm_kb -gt 0 ]] && echo "$((last_hwm_kb / 1024)) MiB" || echo "n/a")
  ratio=$(awk -v a="$ours_rps" -v b="$ref_rps" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')
  flag=""; if (( ref_n + ours_n > 0 )); then flag="  <<< ERRORS"; errors=1; fi
  rows+=("$(printf '%-8s %12s %12s %8s %14s %14s %12s%s' "$workload" "$ref_rps" "$ours_rps" "$ratio" "$ref_err" "$ours_err" "$rss" "$flag")")
done

echo
echo "ours: $([[ -n $OURS_URL ]] && echo "external $OURS_URL (not restarted; its own cache settings)" || { [[ $OURS == iipsrv ]] && echo "a second reference iipsrv" || echo "java -Xmx$XMX TestServer"; })"
printf '%-8s %12s %12s %8s %14s %14s %12s\n' workload "iipsrv req/s" "ours req/s" ours/ref "iipsrv errors" "ours errors" "ours VmHWM"
for r in "${rows[@]}"; do echo "$r"; done
echo "(errors = responses with status >= 400 / socket errors (connect+read+write+timeout))"
viewer_summary
if [[ $OURS == java && -z $OURS_URL ]]; then
  echo "our JVM: -Xmx$XMX, peak RSS (VmHWM) over all workloads: $((ours_peak_kb / 1024)) MiB"
fi
if [[ -n $PROFILE && $OURS == java && -z $OURS_URL ]]; then
  for workload in $WORKLOADS; do
    [[ -f $out/ours-$workload.jfr ]] || continue
    echo; echo "profile of ours, $workload ($out/ours-$workload.jfr):"
    python3 bench/jfr-top.py "$out/ours-$workload.jfr" || true
  done
fi
if (( errors )); then
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! ERRORS during the benchmark: its numbers are not comparable (see $out/wrk-*.txt)"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  exit 2
fi
