"""The classic warm-start bug: a module-level list appended to per request.

The validation "passes only sometimes": on a warm start `files` still holds the previous
request's uploads, so the size check sees them too.
"""
import boto3

s3 = boto3.client("s3")
files = []
LAST_USER = None


def lambda_handler(event, context):
    global LAST_USER
    LAST_USER = event["requestContext"]["authorizer"]["user"]
    for record in event["Records"]:
        files.append(record["s3"]["object"]["key"])
    if len(files) > 10:
        return {"status": "rejected", "reason": "too many files"}
    return {"status": "ok", "files": files}
