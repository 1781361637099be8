#!/usr/bin/env bash
# The fuzz profile's two tests at scale (CI runs them at 20,000 requests and 300 damaged files per
# base): the query fuzzer (QueryFuzzTest) with REQUESTS fuzzed requests and the damaged-file sweep
# (DamagedFilesTest) with DAMAGED variants of each of the five base files. Prints the counts and
# every failure group; the reports stay in target/fuzz/. See bench/README.md.
#
# Environment: REQUESTS=200000 DAMAGED=300 SEED=20240611 THREADS=3 XMX=1g
#              TESTS=QueryFuzzTest,DamagedFilesTest  MVN_ARGS= (e.g. -o)
# Exit code: 0 when both tests pass, 1 when either found failures (or the build failed).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-200000}; DAMAGED=${DAMAGED:-300}; SEED=${SEED:-20240611}; THREADS=${THREADS:-3}
XMX=${XMX:-1g}; TESTS=${TESTS:-QueryFuzzTest,DamagedFilesTest}; MVN_ARGS=${MVN_ARGS:-}
mkdir -p target/fuzz
rm -f target/fuzz/failures.txt target/fuzz/failures-all.txt target/fuzz/damaged-failures.txt \
  target/fuzz/damaged-failures-all.txt
log=target/fuzz/bench-fuzz.log
echo "fuzz: $TESTS, $REQUESTS requests, $DAMAGED damaged files per base, seed $SEED, $THREADS clients, server -Xmx$XMX"
t0=$SECONDS
# test-compile, then surefire:test alone: the lifecycle's test phase would also run the jdk-codecs
# execution, whose includes -Dtest overrides.
rc=0
mvn -B -ntp $MVN_ARGS -Pfuzz test-compile surefire:test -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfuzz.requests="$REQUESTS" -Dfuzz.damaged="$DAMAGED" -Dfuzz.seed="$SEED" -Dfuzz.threads="$THREADS" \
  -Dfuzz.xmx="$XMX" </dev/null >"$log" 2>&1 || rc=$?
echo "fuzz: mvn finished in $((SECONDS - t0)) s (exit $rc); its output is in $log"
grep -E '^(fuzz|damaged):' "$log" || true
for report in target/fuzz/failures.txt target/fuzz/damaged-failures.txt; do
  [[ -f $report ]] || continue
  echo
  echo "==== $report (examples of each group there; every failure in ${report%.txt}-all.txt)"
  sed -n '1,3p' "$report"
  grep -E '^\[[0-9]+\] ' "$report" || echo "no failures"
done
if [[ $rc -ne 0 ]] && ! grep -q 'Tests run:.*Failures: [1-9]' "$log"; then
  echo; echo "fuzz: the build or a test errored (not a fuzz failure): see $log" >&2
  tail -30 "$log" >&2
fi
exit $(( rc == 0 ? 0 : 1 ))
