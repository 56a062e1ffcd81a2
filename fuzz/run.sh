#!/usr/bin/env bash
# Fuzzes each target for SECONDS (default 60) with cargo fuzz (libFuzzer), starting from the
# kept inputs in fuzz/regressions/<target>/ plus fuzz/corpus/<target>/ (kept between runs, not
# committed), and prints a table of executions and crashes per target.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]
#
# The machine's Rust is stable, and cargo fuzz needs nightly-only flags: RUSTC_BOOTSTRAP=1 lets
# stable rustc accept them. AddressSanitizer runs too unless FUZZ_SANITIZER=none. A crash is
# saved under fuzz/artifacts/<target>/; minimise it (`cargo fuzz tmin <target> <file>`), copy it
# into fuzz/regressions/<target>/, and fix the bug: `cargo test` then replays it for ever.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(sync_decode entry_decode_verify ingest_apply application_toml bundle_import roster_decode)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
target_dir="${FUZZ_TARGET_DIR:-$HOME/.cache/fedrec-fuzz-target}"
sanitizer="${FUZZ_SANITIZER:-address}"
mkdir -p logs
results=()
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log="logs/$target.log"
  status=ok
  if ! cargo fuzz run --sanitizer "$sanitizer" --target-dir "$target_dir" "$target" \
      "corpus/$target" "regressions/$target" -- -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 >"$log" 2>&1; then
    status=CRASH
  fi
  runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' | tail -1 || true)
  if [ -z "$runs" ]; then
    runs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
  fi
  corpus=$(ls "corpus/$target" | wc -l)
  results+=("$(printf '%-22s %8ss %12s %8s   %s' "$target" "$seconds" "${runs:-?}" "$corpus" "$status")")
done
printf '%-22s %9s %12s %8s   %s\n' target time executions corpus result
printf '%s\n' "${results[@]}"
