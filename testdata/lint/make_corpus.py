"""Builds src/lint/corpus.ndjson.gz, the real CloudTrail records `trailwatch lint --pack`
runs coverage over, from testdata/cloudtrail/ (only the folders with a stated open licence:
Apache-2.0 or MIT; flaws2-cloud states none). One compact record per line, duplicates
dropped, in a stable order. Run from the repository root: python3 testdata/lint/make_corpus.py
"""
import gzip, json, os

FOLDERS = ["grycap-cloudtrail-tracker", "otrf-ec2-proxy-s3-exfiltration",
           "stratus-red-team-detonation-logs", "umccr-flaws-excerpt"]

def records(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    try:
        doc = json.loads(text)
        if isinstance(doc, dict):
            yield from doc.get("Records", [])
        else:
            yield from doc
    except json.JSONDecodeError:
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)

seen, lines = set(), []
for folder in FOLDERS:
    for root, _, files in sorted(os.walk(os.path.join("testdata/cloudtrail", folder))):
        for name in sorted(files):
            for record in records(os.path.join(root, name)):
                if not isinstance(record, dict) or "eventName" not in record:
                    continue
                line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
with gzip.GzipFile("src/lint/corpus.ndjson.gz", "wb", mtime=0) as out:
    out.write(("\n".join(lines) + "\n").encode("utf-8"))
print(len(lines), "records")
