"""Fills a bucket of the local S3 server for tests/s3_archive.rs, through boto3.

    store.py ENDPOINT BUCKET tree LOCAL_DIR PREFIX     every file under LOCAL_DIR, keyed PREFIX + its relative path
    store.py ENDPOINT BUCKET many PREFIX COUNT         COUNT one-record CloudTrail files under PREFIX
    store.py ENDPOINT BUCKET glacier KEY LOCAL_FILE    one object in the GLACIER storage class (GetObject refuses it)
    store.py ENDPOINT BUCKET object KEY LOCAL_FILE     one object (any key), LOCAL_FILE's bytes ("-": none)
    store.py ENDPOINT BUCKET listable                  a bucket policy letting anyone list, not read
    store.py ENDPOINT BUCKET public                    a bucket policy letting anyone list and read (anonymous requests)
"""
import gzip
import json
import os
import sys

import boto3


def client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def main():
    endpoint, bucket, command, *rest = sys.argv[1:]
    s3 = client(endpoint)
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    if command == "tree":
        local, prefix = rest
        count = 0
        for root, _, files in os.walk(local):
            for name in sorted(files):
                path = os.path.join(root, name)
                key = prefix + os.path.relpath(path, local).replace(os.sep, "/")
                with open(path, "rb") as f:
                    s3.put_object(Bucket=bucket, Key=key, Body=f.read())
                count += 1
        print(f"stored {count}")
    elif command == "many":
        prefix, count = rest[0], int(rest[1])
        # The file names carry the account of their folder, as CloudTrail's do.
        account = next((p for p in prefix.split("/") if len(p) == 12 and p.isdigit()), "111111111111")
        for i in range(count):
            minute = i % 60
            record = {
                "eventVersion": "1.08",
                "eventTime": f"2026-03-01T10:{minute:02d}:00Z",
                "eventSource": "signin.amazonaws.com",
                "eventName": "ConsoleLogin",
                "awsRegion": "us-east-1",
                "eventID": f"00000000-0000-0000-0000-{i:012d}",
                "userIdentity": {"type": "IAMUser", "userName": f"user{i}"},
                "responseElements": {"ConsoleLogin": "Failure"},
            }
            body = gzip.compress(json.dumps({"Records": [record]}).encode())
            name = f"{account}_CloudTrail_us-east-1_20260301T10{minute:02d}Z_{i:016d}.json.gz"
            s3.put_object(Bucket=bucket, Key=prefix + name, Body=body)
        print(f"stored {count}")
    elif command == "glacier":
        key, local = rest
        with open(local, "rb") as f:
            s3.put_object(Bucket=bucket, Key=key, Body=f.read(), StorageClass="GLACIER")
        print("stored 1")
    elif command == "object":
        key, local = rest
        body = b""
        if local != "-":
            with open(local, "rb") as f:
                body = f.read()
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        print("stored 1")
    elif command == "listable":
        statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        print("listable")
    elif command == "public":
        # As public data sets publish their buckets: a policy, not per-object ACLs.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
            ],
        }
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        print("public")
    else:
        sys.exit(f"unknown command {command}")


main()
