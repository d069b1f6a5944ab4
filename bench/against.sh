#!/usr/bin/env bash
# pbstat against an earlier commit, on this machine and the same data: what
# an issue's "no slower than before" is judged by, since ratios to a floor
# move with the machine (a faster machine's floor falls more than pbstat).
#
#   bench/against.sh REV [ROUNDS] [COMMUNITIES]      (make bench-against REV=…)
#
# REV is checked out in a worktree and built in a target folder of its own
# under target/against/ (the first time a whole build, ≈15 minutes on two
# cores); the data is what REV's own bench generator writes, so that the
# earlier build knows every form in it. Prints a markdown table. To free
# the space: git worktree remove target/against/src-<sha>; rm -r target/against.
set -euo pipefail
rev=${1:?usage: bench/against.sh REV [ROUNDS] [COMMUNITIES]}
rounds=${2:-5}
n=${3:-1000}
root=$(git rev-parse --show-toplevel)
sha=$(git -C "$root" rev-parse --short=12 "$rev^{commit}")
work="$root/target/against"
src="$work/src-$sha"
mkdir -p "$work"
if [ ! -e "$src/Cargo.toml" ]; then
    git -C "$root" worktree add --detach "$src" "$sha" >&2
fi
CARGO_TARGET_DIR="$work/target" cargo build --manifest-path "$src/Cargo.toml" \
    --release --bins --examples >&2
cp "$work/target/release/pbstat" "$work/pbstat-$sha"
data="$work/data-$sha"
if [ ! -d "$data/c$n/in" ]; then
    (cd "$src" && "$work/target/release/examples/bench" generate "$data" "$n" >&2)
fi
cd "$root"
cargo build --release --bins --examples >&2
cargo run --quiet --release --example bench -- against "$work/pbstat-$sha" "$data/c$n" "$sha" "$rounds"
