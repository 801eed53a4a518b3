# Sourced by bench/run-*: finds a JDK 21+, builds cmwq-core and cmwq-bench, and runs the suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

java_major() {  # prints the feature version of the java binary $1, or 0
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1)
  echo "${v:-0}"
}

find_java() {
  local cand best="" best_v=0 v
  for cand in ${CMWQ_JAVA:-} ${JAVA_HOME:+$JAVA_HOME/bin/java} /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [ -x "$cand" ] || continue
    v=$(java_major "$cand")
    if [ "$v" -ge 21 ] 2>/dev/null && [ "$v" -gt "$best_v" ]; then best="$cand"; best_v=$v; fi
  done
  [ -n "$best" ] || { echo "bench: no JDK 21 or newer found (set JAVA_HOME or CMWQ_JAVA)" >&2; exit 2; }
  echo "$best"
}

build_bench() {
  if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    echo "bench: building cmwq-core and cmwq-bench (mvn -q package -DskipTests)..." >&2
    (cd "$root" && mvn -q -B package -DskipTests -pl cmwq-core,cmwq-bench -am) >&2
  fi
}

# run_suite MODE OUTDIR [extra Suite args...]
run_suite() {
  local mode="$1" out="$2"
  shift 2
  local java_bin commit
  java_bin=$(find_java)
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$root" status --porcelain 2>/dev/null | grep -v '^??' | head -n1)" ]; then commit="$commit+dirty"; fi
  mkdir -p "$out"
  "$java_bin" -Xmx512m -Dbench.commit="$commit" -cp "$root/cmwq-bench/target/cmwq-bench.jar" \
    dev.cmwq.bench.Suite "$mode" --out "$out" "$@"
}
