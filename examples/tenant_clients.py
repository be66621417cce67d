"""Per-tenant clients depend on the request: correctly built per invocation."""
import boto3

sts = boto3.client("sts")


def handler(event, context):
    creds = sts.assume_role(RoleArn=event["tenant_role"], RoleSessionName="tenant")["Credentials"]
    s3 = boto3.client(
        "s3",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    return s3.list_objects_v2(Bucket=event["bucket"])["KeyCount"]
