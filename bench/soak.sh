#!/usr/bin/env bash
# Soak test: DURATION seconds (default 1800) of mixed load against our server started at -Xmx256m,
# sampled every SAMPLE seconds (default 60) for heap after a GC, direct/native memory, RSS, threads,
# open files and the server's native codec handles; prints the series as a table and a verdict
# comparing the last third of the samples with the first third. See bench/README.md.
#
# Load: wrk (bench/soak.lua: random tiles of big.tif, big_deflate.tif and big.jp2, CVT regions,
# IIIF regions of TIFF and JPEG2000, DeepZoom tiles, metadata, requests for damaged and missing
# files and hostile values), run as one wrk per sampling interval, plus clients that ask for a
# large CVT and hang up after ~100 ms (curl --max-time 0.1).
#
# Environment:
#   DURATION=1800 SAMPLE=60 XMX=256m PORT=9203 THREADS=2 CONNECTIONS=8 SEED=42
#   DISCONNECTERS=1 PAUSE=1      clients hanging up, each asking again PAUSE s after hanging up
#                               (each abandoned CVT still costs the server 0.2-1.3 s of rendering)
#   IMAGES=target/fuzz/images   big.tif, big_deflate.tif, big.jp2 (made by FuzzImages when missing;
#                               or target/conformance-images from src/test/conformance/make-images.sh)
#   DAMAGED=safe                damaged files asked for: safe (today's server answers them with an
#                               error and nothing worse), all (also those the sweep found to poison
#                               the decoders or crash the JVM), none
#   SOAK_VARS=                  extra server configuration, e.g. "MAX_IMAGE_CACHE_SIZE=0"
#   MVN_ARGS=                   extra Maven arguments for the build (e.g. -o)
# Everything is kept in target/soak/ (server log, wrk outputs, samples.tsv, report.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
DURATION=${DURATION:-1800}; SAMPLE=${SAMPLE:-60}; XMX=${XMX:-256m}; PORT=${PORT:-9203}
THREADS=${THREADS:-2}; CONNECTIONS=${CONNECTIONS:-8}; DISCONNECTERS=${DISCONNECTERS:-1}; PAUSE=${PAUSE:-1}; SEED=${SEED:-42}
IMAGES=${IMAGES:-target/fuzz/images}; DAMAGED=${DAMAGED:-safe}; SOAK_VARS=${SOAK_VARS:-}; MVN_ARGS=${MVN_ARGS:-}
out=$root/target/soak
rm -rf "$out"; mkdir -p "$out"

for tool in wrk curl java jcmd mvn; do
  command -v $tool >/dev/null || { echo "soak: $tool is missing (apt-get install wrk curl openjdk-17-jdk-headless maven)" >&2; exit 1; }
done

# ---- build (as bench/run.sh)
echo "soak: building (mvn test-compile, dependency:build-classpath)"
{ mvn -B -q $MVN_ARGS -DskipTests test-compile &&
  mvn -B -q $MVN_ARGS dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
} >"$out/build.log" 2>&1 </dev/null || { cat "$out/build.log"; echo "soak: build failed" >&2; exit 1; }
classpath=$root/target/classes:$root/target/test-classes:$(cat "$out/classpath.txt")

# ---- images: the served folder holds hard links to the images and the damaged files
all_there=1
for f in big.tif big_deflate.tif big.jp2; do [[ -s $IMAGES/$f ]] || all_there=0; done
if [[ $all_there == 0 ]]; then
  if [[ $IMAGES == target/fuzz/images ]]; then
    echo "soak: making the images in $IMAGES (FuzzImages)"
    java -cp "$classpath" io.github.iipservlet.fuzz.FuzzImages "$IMAGES" >"$out/images.log" 2>&1
  else
    echo "soak: $IMAGES lacks big.tif, big_deflate.tif or big.jp2" >&2; exit 1
  fi
fi
served=$out/images; mkdir -p "$served"
for f in big.tif big_deflate.tif big.jp2; do ln "$IMAGES/$f" "$served/$f" 2>/dev/null || cp "$IMAGES/$f" "$served/$f"; done
java -cp "$classpath" io.github.iipservlet.fuzz.SoakFiles "$served" >"$out/damaged.txt" 2>&1 ||
  { cat "$out/damaged.txt"; echo "soak: making the damaged files failed" >&2; exit 1; }
safe=$(sed -n 's/^safe://p' "$out/damaged.txt"); harmful=$(sed -n 's/^harmful://p' "$out/damaged.txt")
case $DAMAGED in
  safe) damaged=$safe ;; all) damaged="$safe $harmful" ;; none) damaged= ;;
  *) echo "soak: DAMAGED is safe, all or none" >&2; exit 1 ;;
esac

# ---- server
pid=; loop_pids=()
cleanup() {
  for p in "${loop_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC2086
java -Xmx"$XMX" -XX:NativeMemoryTracking=summary -XX:ErrorFile="$out/hs_err_pid%p.log" -cp "$classpath" \
  io.github.iipservlet.testsupport.TestServer "$PORT" "FILESYSTEM_PREFIX=$served/" OMP_NUM_THREADS=2 $SOAK_VARS \
  >"$out/server.log" 2>&1 </dev/null &
pid=$!
url=http://127.0.0.1:$PORT/fcgi-bin/iipsrv.fcgi
for _ in $(seq 600); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break
  kill -0 "$pid" 2>/dev/null || { cat "$out/server.log"; echo "soak: the server did not start" >&2; exit 1; }
  sleep 0.1
done

obj() { # IMAGE FIELD -> the values after "FIELD:"
  curl -s "$url?FIF=$1&OBJ=$2" | tr -d '\r' | sed -n "s/^$2://p"
}
read -r W H < <(obj big.tif Max-size); RES=$(obj big.tif Resolution-number)
read -r JW JH < <(obj big.jp2 Max-size); JRES=$(obj big.jp2 Resolution-number)
[[ -n $W && -n $RES && -n $JW && -n $JRES ]] || { echo "soak: no OBJ replies from the server" >&2; exit 1; }
export SOAK_W=$W SOAK_H=$H SOAK_RES=$RES SOAK_JW=$JW SOAK_JH=$JH SOAK_JRES=$JRES SOAK_DAMAGED=$damaged

# ---- sampling
heap_mb() { # heap used after a full GC
  jcmd "$pid" GC.run >/dev/null 2>&1 || true
  jcmd "$pid" GC.heap_info 2>/dev/null | awk '
    /^ *(garbage-first heap|def new generation|tenured generation|PSYoungGen|ParOldGen|ZHeap|Shenandoah)/ {
      for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); gsub(/[^0-9]/, "", v); s += v } }
    END { if (s == "") print "-"; else printf "%.1f", s / 1024 }'
}
nmt() { # "total_committed_MB other_committed_MB" (Other: direct ByteBuffers and Unsafe memory)
  jcmd "$pid" VM.native_memory summary 2>/dev/null | awk '
    /^Total:/ { if (match($0, /committed=[0-9]+KB/)) t = substr($0, RSTART + 10, RLENGTH - 12) }
    /^- +Other \(/ { if (match($0, /committed=[0-9]+KB/)) o = substr($0, RSTART + 10, RLENGTH - 12) }
    END { printf "%s %s", (t == "" ? "-" : sprintf("%.1f", t / 1024)), (o == "" ? "-" : sprintf("%.1f", o / 1024)) }'
}
proc() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
codecs() { # nativeCodecs handles/buffers/bytes from /health, "-" when the field is absent
  local j; j=$(curl -s -m 10 "http://127.0.0.1:$PORT/health" | tr -d ' \n')
  local n; n=$(grep -o '"nativeCodecs":{[^}]*}' <<<"$j" || true)
  local f v; for f in handles buffers bytes; do
    v=$(grep -o "\"$f\":-\\?[0-9]*" <<<"$n" | head -1 | cut -d: -f2 || true); printf '%s ' "${v:--}"
  done
  v=$(grep -o '"openImages":[0-9]*' <<<"$j" | cut -d: -f2 || true); printf '%s' "${v:--}"
}

header=$(printf '%6s %8s %7s %6s %6s %6s %6s %6s %7s %7s %8s %8s %8s %8s %7s %5s %8s %8s %10s %6s' \
  t_s requests rps 2xx 4xx 5xx banner sockerr p99_ms aborted heap_MB other_MB nmt_MB rss_MB threads fds \
  handles buffers bytes images)
sample() { # T REQUESTS RPS S2 S4 S5 BANNER SOCK P99 ABORTED
  local heap n rss thr fds c
  heap=$(heap_mb); n=$(nmt); rss=$(( $(proc VmRSS) / 1024 )); thr=$(proc Threads)
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l); c=$(codecs)
  read -r nmt_total nmt_other <<<"$n"; read -r h b by im <<<"$c"
  local row; row=$(printf '%6s %8s %7s %6s %6s %6s %6s %6s %7s %7s %8s %8s %8s %8s %7s %5s %8s %8s %10s %6s' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "$heap" "$nmt_other" "$nmt_total" "$rss" "$thr" "$fds" "$h" "$b" "$by" "$im")
  echo "$row"; echo "$row" >>"$out/samples.txt"
  printf '%s\n' "$1 $heap $nmt_other $nmt_total $rss $thr $fds $h $b $by" >>"$out/metrics.tsv"
}

# ---- clients that hang up: a large CVT, closed after ~100 ms
aborted_file=$out/aborted.count; : >"$aborted_file"
big_cvts=("$url?FIF=big.tif&WID=3000&CNV=sharpen&CVT=png" "$url?FIF=big_deflate.tif&RGN=0,0,1,1&CVT=png"
  "http://127.0.0.1:$PORT/iiif/big.jp2/full/max/0/default.png" "$url?FIF=big.tif&WID=4000&CNT=eq&CVT=tif")
for k in $(seq "$DISCONNECTERS"); do
  ( i=$k; while :; do
      curl -s -o /dev/null -m 0.1 "${big_cvts[$((i % ${#big_cvts[@]}))]}" || true
      echo >>"$aborted_file"; i=$((i + 1)); sleep "$PAUSE"
    done ) &
  loop_pids+=($!)
done

echo "soak: server pid $pid, -Xmx$XMX, $url; images $IMAGES (big.tif ${W}x$H, $RES resolutions; big.jp2 ${JW}x$JH); damaged ($DAMAGED):$damaged"
echo "soak: $DURATION s in intervals of $SAMPLE s: wrk -t$THREADS -c$CONNECTIONS (bench/soak.lua), $DISCONNECTERS client(s) hanging up after 100 ms (every $PAUSE s)"
echo "$header" | tee "$out/samples.txt"
sample 0 - - - - - - - - 0
t=0; interval=0; died=
while (( t < DURATION )); do
  d=$(( DURATION - t < SAMPLE ? DURATION - t : SAMPLE ))
  interval=$((interval + 1))
  SOAK_SEED=$((SEED + interval)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${d}s" --timeout 30s -s bench/soak.lua "$url" \
    >"$out/wrk-$interval.txt" 2>&1 || true
  t=$((t + d))
  if ! kill -0 "$pid" 2>/dev/null; then died=$t; echo "soak: the server died during the interval ending at $t s"; break; fi
  line=$(grep '^RESULT' "$out/wrk-$interval.txt" || echo "RESULT")
  get() { local v; v=$(sed -nE "s/.* $1=([0-9.]+).*/\\1/p" <<<"$line"); echo "${v:-0}"; }
  sock=$(( $(get connect) + $(get read) + $(get write) + $(get timeout) ))
  sample "$t" "$(get requests)" "$(get rps)" "$(get s2xx)" "$(get s4xx)" "$(get s5xx)" "$(get banner)" "$sock" \
    "$(get p99ms)" "$(wc -l <"$aborted_file")"
done

# ---- verdict: the mean of the last third of the samples under load against the first third
echo
{
  echo "soak: samples (t_s: seconds of load; heap_MB: used after a full GC; other_MB: NMT 'Other' committed,"
  echo "direct ByteBuffers and Unsafe memory; nmt_MB: NMT total committed; handles/buffers/bytes: /health nativeCodecs)"
  cat "$out/samples.txt"
  echo
  if [[ -n $died ]]; then
    echo "VERDICT: the server died during the interval ending at $died s ($(grep -m1 -A1 'Problematic frame' "$out/server.log" | tail -1 || echo 'see server.log'))"
  else
    # metrics.tsv: the idle sample at t=0 first (left out), then one line per interval under load
    awk -v names="heap_MB other_MB nmt_MB rss_MB threads fds handles buffers bytes" \
        -v floors="8 8 16 48 4 8 2 2 8388608" '
      NR > 1 { n++; for (i = 2; i <= 10; i++) v[n, i] = $i }
      END {
        split(names, nm, " "); split(floors, fl, " ")
        k = int(n / 3); if (k < 1) k = 1
        grow = ""
        for (i = 2; i <= 10; i++) {
          a = 0; b = 0; ok = 1
          for (j = 1; j <= k; j++) { if (v[j, i] == "-") ok = 0; a += v[j, i] }
          for (j = n - k + 1; j <= n; j++) { if (v[j, i] == "-") ok = 0; b += v[j, i] }
          if (!ok || n < 2) { printf "  %-9s -\n", nm[i - 1]; continue }
          a /= k; b /= k
          g = (b > a * 1.10 + fl[i - 1])
          printf "  %-9s first third %12.1f  last third %12.1f  %s\n", nm[i - 1], a, b, (g ? "GROWING" : "flat")
          if (g) grow = grow " " nm[i - 1]
        }
        if (n < 2) print "VERDICT: too few samples (DURATION / SAMPLE < 2)"
        else if (grow == "") printf "VERDICT: flat (%d samples under load; last third against first third)\n", n
        else printf "VERDICT: growing:%s (%d samples under load; last third against first third)\n", grow, n
      }' "$out/metrics.tsv"
  fi
  bad=$(awk 'NR > 2 { s += $6 + $7 + $8 } END { print s + 0 }' "$out/samples.txt")
  [[ $bad -gt 0 ]] && echo "errors under load: $bad replies were 5xx, banner pages or socket errors (see the table)"
  echo "kept in $out: server.log, wrk-N.txt, samples.txt, metrics.tsv, damaged.txt, report.txt"
} | tee "$out/report.txt"
