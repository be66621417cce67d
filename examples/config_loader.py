"""Invariant I/O repeated on every request: a bundled config file and an SSM parameter."""
import json
import os

import boto3

ssm = boto3.client("ssm")


def lambda_handler(event, context):
    import yaml

    with open("config/routes.yaml") as f:
        routes = yaml.safe_load(f)
    api_key = ssm.get_parameter(Name=os.environ["API_KEY_PARAM"], WithDecryption=True)
    target = routes.get(event["route"], "default")
    return {"target": target, "signed": bool(api_key["Parameter"]["Value"]), "body": json.dumps(event)}
