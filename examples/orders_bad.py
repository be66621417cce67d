"""An API Gateway handler with the classic warm-start mistakes."""
import json
import os

import boto3

TABLE_NAME = os.environ.get("TABLE_NAME", "orders")


def lambda_handler(event, context):
    # Rebuilt on every request: credentials, endpoint resolution, a new TLS connection.
    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.Table(TABLE_NAME)
    order = json.loads(event["body"])
    table.put_item(Item=order)
    notify(order)
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}


def notify(order):
    sns = boto3.client("sns")
    sns.publish(TopicArn=os.environ["TOPIC_ARN"], Message=json.dumps(order))
