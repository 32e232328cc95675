#!/usr/bin/env bash
# Replay from S3 against replay from disk, same binary, same session (docs/performance.md,
# "s3:// inputs"). The S3 server is s3s-fs, a Rust S3 API over a folder, so both runs read the
# very same files: the folder ROOT/BUCKET is the bucket BUCKET.
#
#   benches/s3_replay.sh ROOT BUCKET [ROUNDS]
#
# The two runs alternate, round after round (the first of each pair alternates too), so that
# a shared machine's slow moments fall on both; the verdict is the median of the rounds'
# S3/disk ratios. Each run's wall time, CPU and peak RSS come from GNU time, the server's CPU
# from /proc.
#
# Needs: a release build (cargo build --release), GNU time (/usr/bin/time), and
#   cargo install --locked s3s-fs --version 0.14.1 --features binary
# (0.14.1 is the last release building on Rust 1.95; S3S_FS=/path/to/s3s-fs picks another).
# A trail of thousands of objects in CloudTrail's S3 layout, for example:
#   python3 ../shared/tools/trailgen.py --size 40M --rate 0.4 --format s3 --out /tmp/root/small
#   python3 ../shared/tools/trailgen.py --size 600M --format s3 --out /tmp/root/dense
#   benches/s3_replay.sh /tmp/root small 9; benches/s3_replay.sh /tmp/root dense 9
set -euo pipefail
cd "$(dirname "$0")/.."

root=${1:?usage: benches/s3_replay.sh ROOT BUCKET [ROUNDS]}
bucket=${2:?usage: benches/s3_replay.sh ROOT BUCKET [ROUNDS]}
rounds=${3:-9}
binary=$PWD/target/release/trailwatch
template=$PWD/testdata/templates/seed-stack.template.json
server=${S3S_FS:-$(command -v s3s-fs || echo "$HOME/.cargo/bin/s3s-fs")}
for tool in "$binary" "$server" /usr/bin/time; do
    [ -x "$tool" ] || { echo "s3_replay: $tool is missing (see the comment at the top)" >&2; exit 2; }
done
[ -d "$root/$bucket" ] || { echo "s3_replay: no folder $root/$bucket" >&2; exit 2; }
case $rounds in '' | *[!0-9]* | 0) echo "s3_replay: ROUNDS is a positive number" >&2; exit 2 ;; esac

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" --host 127.0.0.1 --port "$port" --access-key bench --secret-key bench "$root" >/dev/null 2>&1 &
server_pid=$!
scratch=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$scratch"' EXIT
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do sleep 0.1; done

# Only the server's endpoint and its credentials: no profile of this machine takes part.
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 \
    AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_CONFIG_FILE=/nonexistent \
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
disk=("$binary" replay --template "$template" "$root/$bucket")
s3=("$binary" replay --template "$template" "s3://$bucket/")

objects=$(find "$root/$bucket" -name '*.json.gz' -not -path '*CloudTrail-Digest*' | wc -l)
echo "== $bucket: $objects objects, $(du -sh "$root/$bucket" | cut -f1); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Both reports must be the same but for the input's name (this also warms both paths up).
# replay exits 1 when no alarm fires (grep's "not found"): not a failure here.
"${disk[@]}" >"$scratch/disk.out" 2>&1 || true
"${s3[@]}" >"$scratch/s3.out" 2>&1 || true
diff <(sed "s|$root/$bucket|INPUT|g" "$scratch/disk.out") <(sed "s|s3://$bucket|INPUT|g" "$scratch/s3.out") >/dev/null \
    || { echo "s3_replay: the S3 replay's report differs from the disk's" >&2; exit 1; }

server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server_pid/stat"; }
# One run: "wall user+system peakKB" on stdout.
measure() {
    /usr/bin/time -f "%e %U %S %M" -o "$scratch/time" "$@" >/dev/null 2>&1 || true
    # GNU time puts "Command exited with non-zero status" before its line.
    tail -n 1 "$scratch/time" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
}

printf '%-6s %9s %9s %9s %9s %9s %11s %11s %11s\n' round disk_s s3_s ratio disk_cpu s3_cpu server_cpu disk_rss_KB s3_rss_KB
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
        read -r dwall dcpu drss < <(measure "${disk[@]}")
        before=$(server_cpu)
        read -r swall scpu srss < <(measure "${s3[@]}")
        after=$(server_cpu)
    else
        before=$(server_cpu)
        read -r swall scpu srss < <(measure "${s3[@]}")
        after=$(server_cpu)
        read -r dwall dcpu drss < <(measure "${disk[@]}")
    fi
    ratio=$(awk -v s="$swall" -v d="$dwall" 'BEGIN { printf "%.2f", s / d }')
    server=$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }')
    printf '%-6s %9s %9s %9s %9s %9s %11s %11s %11s\n' "$round" "$dwall" "$swall" "$ratio" "$dcpu" "$scpu" "$server" "$drss" "$srss" |
        tee -a "$scratch/rounds"
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column() { awk -v c="$1" '{ print $c }' "$scratch/rounds" | median; }
echo "median: disk $(column 2) s, S3 $(column 3) s, S3/disk $(column 4) (median of the rounds' ratios);" \
    "CPU disk $(column 5) s, S3 client $(column 6) s + server $(column 7) s;" \
    "peak RSS disk $(column 8) KB, S3 $(column 9) KB"
