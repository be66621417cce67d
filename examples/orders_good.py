"""The same handler, with clients created once per execution environment."""
import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "orders"))
SNS = boto3.client("sns")


def lambda_handler(event, context):
    order = json.loads(event["body"])
    TABLE.put_item(Item=order)
    SNS.publish(TopicArn=os.environ["TOPIC_ARN"], Message=json.dumps(order))
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
