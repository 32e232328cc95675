#!/usr/bin/env bash
# Replay from S3 against replay from disk, same binary, same run (docs/performance.md, "s3://
# inputs"). The S3 server is s3s-fs, a Rust S3 API over a folder, so both runs read the very
# same files: the folder ROOT/BUCKET is the bucket BUCKET.
#
#   benches/s3_replay.sh ROOT BUCKET [RUNS]
#
# Needs: a release build (cargo build --release), hyperfine, GNU time (/usr/bin/time), and
#   cargo install --locked s3s-fs --version 0.14.1 --features binary
# (0.14.1 is the last release building on Rust 1.95; S3S_FS=/path/to/s3s-fs picks another).
# A trail of thousands of objects in CloudTrail's S3 layout, for example:
#   python3 ../shared/tools/trailgen.py --size 40M --rate 0.4 --format s3 --out /tmp/root/small
#   python3 ../shared/tools/trailgen.py --size 160M --rate 0.4 --format s3 --out /tmp/root/big
#   benches/s3_replay.sh /tmp/root small 5; benches/s3_replay.sh /tmp/root big 5
set -euo pipefail
cd "$(dirname "$0")/.."

root=${1:?usage: benches/s3_replay.sh ROOT BUCKET [RUNS]}
bucket=${2:?usage: benches/s3_replay.sh ROOT BUCKET [RUNS]}
runs=${3:-5}
binary=$PWD/target/release/trailwatch
template=$PWD/testdata/templates/seed-stack.template.json
server=${S3S_FS:-$(command -v s3s-fs || echo "$HOME/.cargo/bin/s3s-fs")}
for tool in "$binary" "$server" "$(command -v hyperfine)" /usr/bin/time; do
    [ -x "$tool" ] || { echo "s3_replay: $tool is missing (see the comment at the top)" >&2; exit 2; }
done
[ -d "$root/$bucket" ] || { echo "s3_replay: no folder $root/$bucket" >&2; exit 2; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" --host 127.0.0.1 --port "$port" --access-key bench --secret-key bench "$root" >/dev/null 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do sleep 0.1; done

# Only the server's endpoint and its credentials: no profile of this machine takes part.
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 \
    AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_CONFIG_FILE=/nonexistent \
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
disk="$binary replay --template $template $root/$bucket"
s3="$binary replay --template $template s3://$bucket/"

objects=$(find "$root/$bucket" -name '*.json.gz' -not -path '*CloudTrail-Digest*' | wc -l)
echo "== $objects objects, $(du -sh "$root/$bucket" | cut -f1); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Both reports must be the same but for the input's name.
diff <($disk 2>&1 | sed "s|$root/$bucket|INPUT|g") <($s3 2>&1 | sed "s|s3://$bucket|INPUT|g") >/dev/null \
    || { echo "s3_replay: the S3 replay's report differs from the disk's" >&2; exit 1; }
# replay exits 1 when no alarm fires (grep's "not found"): not a failure here.
hyperfine --warmup 1 --runs "$runs" -i --export-markdown "/tmp/s3_replay_$bucket.md" -n disk "$disk" -n s3 "$s3"
for name in disk s3; do
    command=$disk
    [ "$name" = s3 ] && command=$s3
    for _ in 1 2 3; do
        /usr/bin/time -f "$name peak RSS %M KB (%e s wall, %U s user, %S s system)" $command >/dev/null 2>/tmp/s3_replay_time || true
        tail -n 1 /tmp/s3_replay_time
    done
done
