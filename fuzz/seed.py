#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/seeds/<target>/) from testdata/. Run from the repository root."""
import gzip, hashlib, json, os, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
seeds = root / "fuzz" / "seeds"

def put(target, data):
    folder = seeds / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)

aws = [case for name in ("filter-pattern-aws.json", "filter-pattern-aws-edges.json")
       for case in json.loads((root / "testdata/aws" / name).read_text())["cases"]]
docs = [json.loads(l) for l in (root / "testdata/docs/cases.jsonl").read_text().splitlines() if l.strip()]
cis = json.loads((root / "src/config/cis-patterns.json").read_text()) if (root / "src/config/cis-patterns.json").exists() else []
patterns = {c["request"]["filterPattern"] for c in aws} | {c["pattern"] for c in docs}
patterns |= {e["pattern"] for e in cis if isinstance(e, dict) and "pattern" in e}
for p in sorted(patterns):
    put("pattern_parser", p)
for c in aws:
    messages = [m for m in c["request"]["logEventMessages"] if "\n" not in m]
    put("matcher_vs_reference", "\n".join([c["request"]["filterPattern"], *messages]))
for c in docs:
    if c.get("event") is not None and "\n" not in c["pattern"] and "\n" not in c["event"]:
        put("matcher_vs_reference", c["pattern"] + "\n" + c["event"])

# Readers: the first byte picks the format (0 = auto); small real files of each kind.
formats = ["auto", "cloudtrail", "ndjson", "cwl-export", "filter-log-events", "lookup-events", "lines"]
files = sorted(p for p in (root / "testdata/cloudtrail").rglob("*") if p.is_file() and not p.name.endswith(".md"))
trail = sorted(p for p in (root / "testdata/sample/trail").rglob("*.json.gz"))[:4]
for path in files + trail:
    data = path.read_bytes()
    if len(data) > 64 * 1024:
        continue
    put("readers", bytes([0]) + data)
    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    put("readers", bytes([1]) + raw[:8192])
put("readers", bytes([2]) + b'{"eventTime":"2026-01-01T00:00:00Z","a":1}\n{"b":2}\nnot json\n')
put("readers", bytes([3]) + b"2026-01-01T00:00:00.000Z hello\ncontinued\n2026-01-01T00:00:01.000Z {\"a\":1}\n")
put("readers", bytes([4]) + b'{"events":[{"timestamp":1767225600000,"message":"x","logStreamName":"s"}]}')
put("readers", bytes([5]) + b'{"Events":[{"EventId":"1","CloudTrailEvent":"{\\"eventTime\\":\\"2026-01-01T00:00:00Z\\"}"}]}')
eventbridge = json.loads((root / "testdata/eventbridge/test-event-pattern-aws.json").read_text())["cases"]
for c in eventbridge:
    pattern = json.dumps(c["eventPattern"])
    put("event_pattern_parser", pattern)
    put("event_matcher_vs_reference", pattern + "\n" + json.dumps(c["event"]) + "\n" + json.dumps(c["event"], indent=1).replace("\n", " "))
for path in sorted((root / "testdata/templates").glob("*")):
    put("template_loader", path.read_bytes())
for path in sorted((root / "testdata/terraform").rglob("*")):
    if path.is_file() and path.suffix in (".tf", ".json"):
        put("template_loader", path.read_bytes())
for folder in ("two-stacks",):
    base = root / "testdata/cdk" / folder
    put("template_loader", (base / "manifest.json").read_text() + "\n---8<---\n" + (base / "Alerts.template.json").read_text())
put("template_loader", "Resources:\n  F:\n    Type: AWS::Logs::MetricFilter\n    Properties:\n      FilterPattern: '{ $.a = 1 }'\n      LogGroupName: !Ref G\n      MetricTransformations:\n        - MetricName: M\n          MetricNamespace: N\n          MetricValue: '1'\n")

# Replay: the first byte picks the format (+0x80: gzip the records), then a template, a NUL,
# and the records. A template that does not load falls back to the seed stack.
stack = (root / "testdata/templates/seed-stack.template.json").read_bytes()
signin = b'{"eventVersion":"1.08","eventTime":"2026-03-01T09:00:%02dZ","eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"}}'
burst = [signin % s for s in range(0, 40, 10)]
put("replay", bytes([2]) + stack + b"\0" + b"\n".join(burst) + b"\n")
put("replay", bytes([0x81]) + stack + b"\0" + b'{"Records":[' + b",".join(burst) + b',{"eventVersion":"1.08","x":"\\x"}]}')
put("replay", bytes([0]) + b"\0" + b'{"Records":[' + b",".join(burst) + b"]}")
put("replay", bytes([4]) + b"\0" + b'{"events":[{"timestamp":1772355600000,"message":"' + signin.replace(b'"', b'\\"') % 1 + b'"}]}')
for path in trail[:2]:
    put("replay", bytes([0]) + stack + b"\0" + gzip.decompress(path.read_bytes())[:16384])

# Chart model: three little-endian doubles (the data's lowest and highest, the threshold),
# then a --plot-window.
import struct
for low, high, threshold, window in [
    (0, 5, 3, "2026-03-01T09:00..2026-03-01T12:00"),
    (0, 0, 0, "2026-03-01.."),
    (1, 2, 1e308, "..2026-03-01T10:00:00+01:00"),
    (-1e308, 1e308, -1.7976931348623157e308, "1970-01-01..9999-12-31"),
    (4, 4, 4, "2026-03-01 09:30..2026-03-01 09:31"),
]:
    put("chart_model", struct.pack("<ddd", low, high, threshold) + window.encode())
