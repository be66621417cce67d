"""Named only by the SAM template (Handler: reports.build_report): no convention finds it."""
import os
import threading
import uuid

import boto3

s3 = boto3.client("s3")


def build_report(payload, lambda_ctx):
    path = f"/tmp/report-{uuid.uuid4()}.csv"
    with open(path, "w") as out:
        out.write(",".join(payload["columns"]))
    s3.upload_file(path, os.environ["BUCKET"], f"reports/{payload['id']}.csv")
    # Frozen the moment the handler returns: this thread may never finish.
    threading.Thread(target=notify, args=(payload["id"],)).start()
    return {"id": payload["id"]}


def notify(report_id):
    print("report ready", report_id)
