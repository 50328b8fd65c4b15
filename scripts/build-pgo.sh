#!/usr/bin/env bash
# Builds jaanch optimised with a profile of the police workload (profile-guided optimisation).
#
#   ./scripts/build-pgo.sh            # the binary: target/pgo/use/<triple>/release/jaanch
#   RUSTFLAGS="-C target-cpu=native" ./scripts/build-pgo.sh   # also for this server's processor
#
# Three steps: an instrumented build that counts how often each branch and function runs; a
# training run of that build over a demo lake of its own (a seed and scale the benchmarks do
# not use): every saved report, three vehicles' histories and a few ad-hoc statements; and a second
# build that lays out and inlines the code by those counts. Two release builds from scratch:
# about an hour on two cores. Needs llvm-profdata of the LLVM rustc was built with (`rustc -vV`
# names it; on Debian `apt-get install llvm-22` for LLVM 22), or its path in $LLVM_PROFDATA.
#
# PGO_DIR (default target/pgo) holds the two builds' target directories, the profiles and the
# training lake; PGO_SCALE (default 0.2) sizes that lake.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Absolute: rustc reads -Cprofile-use from each crate's own folder.
pgo="$(realpath -m "${PGO_DIR:-$root/target/pgo}")"
scale="${PGO_SCALE:-0.2}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
llvm_major="$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"

fail() {
    echo "build-pgo: $*" >&2
    exit 1
}

# The llvm-profdata that reads rustc's profiles: $LLVM_PROFDATA, else LLVM's own of that version.
find_profdata() {
    profdata="${LLVM_PROFDATA:-}"
    if [[ -z "$profdata" ]]; then
        for candidate in "llvm-profdata-$llvm_major" "/usr/lib/llvm-$llvm_major/bin/llvm-profdata"; do
            if command -v "$candidate" >/dev/null; then
                profdata="$candidate"
                break
            fi
        done
    fi
    [[ -n "$profdata" ]] || fail "no llvm-profdata for LLVM $llvm_major (rustc's); install it (Debian: apt-get install llvm-$llvm_major) or set LLVM_PROFDATA"
    version="$("$profdata" --version 2>/dev/null)" || fail "$profdata does not run (\`$profdata --version\` failed); set it to an llvm-profdata of LLVM $llvm_major"
    found_major="$(sed -n 's/.*LLVM version \([0-9]*\).*/\1/p' <<<"$version" | head -1)"
    [[ "$found_major" == "$llvm_major" ]] || fail "$profdata is LLVM $found_major, rustc is LLVM $llvm_major; a profile is read only by the same major version (set LLVM_PROFDATA)"
}

# `--target` keeps the flags off build scripts and proc macros, which run only while compiling.
build() {
    local dir="$1" flags="$2"
    echo "build-pgo: cargo build --release into $dir ($flags)" >&2
    CARGO_TARGET_DIR="$dir" RUSTFLAGS="${RUSTFLAGS:-} $flags" \
        cargo build --manifest-path "$root/Cargo.toml" --release --locked -p jaanch-cli --target "$triple"
}

# The training workload, run with `$1` on a demo lake of its own in $pgo/lake.
train() {
    local jaanch="$1" lake="$pgo/lake/lake.toml" reports plates report plate
    rm -rf "$pgo/lake"
    echo "build-pgo: training on a demo lake at scale $scale" >&2
    "$jaanch" demo --scale "$scale" --seed 11 --out "$pgo/lake" >/dev/null
    reports="$("$jaanch" --lake "$lake" reports | tail -n +2 | cut -f1)"
    plates="$("$jaanch" --lake "$lake" sql --format csv \
        "SELECT plate FROM cctns.stolen_vehicles ORDER BY plate LIMIT 3" | tail -n +2)"
    for report in $reports; do
        echo "build-pgo: run $report" >&2
        if [[ "$report" == vehicle_history ]]; then
            while read -r plate; do
                "$jaanch" --lake "$lake" run vehicle_history -p "plate=$plate" --format csv >/dev/null
            done <<<"$plates"
        else
            "$jaanch" --lake "$lake" run "$report" --format csv >/dev/null
        fi
    done
    echo "build-pgo: run ad-hoc statements" >&2
    "$jaanch" --lake "$lake" sql -f - --format csv >/dev/null <<'SQL'
SELECT district_canonical(district) AS district, count(*) FROM cctns.fir GROUP BY 1 ORDER BY 2 DESC;
SELECT plate_normalize(plate_text), count(*) FROM abhay.anpr_reads GROUP BY 1 ORDER BY 2 DESC LIMIT 20;
SELECT a.name, f.fir_no, f.sections FROM cctns.accused a JOIN cctns.fir f USING (fir_id)
    WHERE a.name LIKE 'R%' ORDER BY f.registered_at DESC LIMIT 50;
SELECT category, date_trunc('month', received_at) AS month, avg(response_seconds)
    FROM abhay.dial112_calls GROUP BY 1, 2 ORDER BY 1, 2;
SQL
}

# `--workload BINARY`: only the training workload, with any build (the tests keep it working).
if [[ "${1:-}" == --workload ]]; then
    [[ -x "${2:-}" ]] || fail "--workload needs a jaanch executable, got '${2:-}'"
    train "$2"
    exit 0
fi
[[ $# -eq 0 ]] || fail "unknown argument '$1' (usage: build-pgo.sh [--workload BINARY])"

find_profdata

# 1. Instrumented.
build "$pgo/generate" "-Cprofile-generate=$pgo/profiles"

# 2. Training; the counts of earlier runs are dropped, so that the profile is this build's.
rm -rf "$pgo/profiles"
LLVM_PROFILE_FILE="$pgo/profiles/jaanch-%p-%m.profraw" train "$pgo/generate/$triple/release/jaanch"
"$profdata" merge -o "$pgo/jaanch.profdata" "$pgo/profiles"

# 3. Optimised by the profile.
build "$pgo/use" "-Cprofile-use=$pgo/jaanch.profdata"
echo "$pgo/use/$triple/release/jaanch"
