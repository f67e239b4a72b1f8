# Sourced by scripts that drive a real `ezshare serve` (scripts/smoke-local, scripts/contract):
# uses the binary the test suite built, starts it on a fresh data dir and a free port, and
# stops it when the script exits. The build is the test step's own command (`cargo test
# --workspace --all-features`, without running): after scripts/test's test step it is a
# no-op, where `cargo build -p ezshare` would unify other features and rebuild the SDK.
#
#   source scripts/lib/local-server.sh
#   start_local_server "$data_dir" [ENV=VALUE ...]   # sets EZSHARE, EZSHARE_URL, EZSHARE_PID

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

start_local_server() {
    local data_dir=$1
    shift
    cargo test --quiet --manifest-path "$repo_root/Cargo.toml" --workspace --all-features --no-run
    EZSHARE="$repo_root/target/debug/ezshare"
    mkdir -p "$data_dir"
    local log="$data_dir/serve.log"
    env "$@" "$EZSHARE" serve --addr 127.0.0.1:0 --data-dir "$data_dir" >"$log" 2>&1 &
    EZSHARE_PID=$!
    trap 'kill "$EZSHARE_PID" 2>/dev/null || true; wait "$EZSHARE_PID" 2>/dev/null || true' EXIT
    # The server prints its address once it listens; port 0 means nothing to race for.
    EZSHARE_URL=""
    for _ in $(seq 300); do
        EZSHARE_URL=$(sed -n 's/^ezshare listening on //p' "$log" | head -1)
        [[ -n $EZSHARE_URL ]] && break
        kill -0 "$EZSHARE_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $EZSHARE_URL ]]; then
        echo "ezshare serve did not start; its log:" >&2
        cat "$log" >&2
        return 1
    fi
    export EZSHARE EZSHARE_URL EZSHARE_PID
}
