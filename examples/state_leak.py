"""The classic warm-start bugs: a module-level list appended to per request, and a global
set from the request on some paths only.

The validation "passes only sometimes": on a warm start `files` still holds the previous
request's uploads, so the size check sees them too. And a request without an authorizer
reports the previous request's user.
"""
import boto3

s3 = boto3.client("s3")
files = []
LAST_USER = None


def lambda_handler(event, context):
    global LAST_USER
    authorizer = event["requestContext"].get("authorizer")
    if authorizer:
        LAST_USER = authorizer["user"]
    for record in event["Records"]:
        files.append(record["s3"]["object"]["key"])
    if len(files) > 10:
        return {"status": "rejected", "reason": "too many files"}
    return {"status": "ok", "files": files, "user": LAST_USER}
