"""Replays recorded AWS answers against `trailwatch serve` with boto3 as the client.

usage: aws_sdk_cases.py ENDPOINT logs RECORDING.json
       aws_sdk_cases.py ENDPOINT events RECORDING.json

Each case's request goes through boto3 unchanged (signed with dummy credentials, as a real
call would be); the answer, or the exception boto3 raises, must be the recorded one.
Prints one line per failure and a closing 'N passed, N failed'; exits 1 on any failure.
"""

import json
import sys

import boto3
import botocore.config
import botocore.exceptions


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="local",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def call_logs(logs, case):
    try:
        answer = logs.test_metric_filter(**case["request"])
    except logs.exceptions.InvalidParameterException as e:
        return {"error": {"code": "InvalidParameterException", "message": e.response["Error"]["Message"]}}
    answer.pop("ResponseMetadata", None)
    return {"response": answer}


def expected_logs(case):
    if "error" in case:
        return {"error": {"code": case["error"]["code"], "message": case["error"]["message"]}}
    return {"response": case["response"]}


def ordered(value):
    """JSON with object members kept in order, so extractedValues' order counts."""
    return json.dumps(value, ensure_ascii=False)


def main():
    endpoint, service, path = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    passed = failed = 0
    if service == "logs":
        logs = client("logs", endpoint)
        for case in cases:
            got, want = call_logs(logs, case), expected_logs(case)
            if ordered(got) == ordered(want):
                passed += 1
            else:
                failed += 1
                print(f"FAIL {case['id']}: got {ordered(got)}\n  want {ordered(want)}")
        # An operation the endpoint does not offer: the service's unknown-operation error.
        try:
            logs.describe_log_groups()
            failed += 1
            print("FAIL unknown-operation: DescribeLogGroups succeeded")
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] == "UnknownOperationException":
                passed += 1
            else:
                failed += 1
                print(f"FAIL unknown-operation: {e.response['Error']}")
    elif service == "events":
        events = client("events", endpoint)
        for case in cases:
            if "error" in case:
                want = {"error": {"code": case["error"]["code"], "message": case["error"]["message"]}}
            else:
                want = {"result": case["result"]}
            request = {"EventPattern": json.dumps(case["eventPattern"]), "Event": json.dumps(case["event"])}
            try:
                got = {"result": events.test_event_pattern(**request)["Result"]}
            except botocore.exceptions.ClientError as e:
                got = {"error": {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}}
            if got == want:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {case['id']}: got {got}, want {want}")
    else:
        sys.exit(f"unknown service {service}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
