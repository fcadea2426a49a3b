#!/bin/sh
# The function's entry point. In Lambda, the Web Adapter layer (AWS_LAMBDA_EXEC_WRAPPER=
# /opt/bootstrap) runs this as the handler and forwards each invocation as HTTP to
# 127.0.0.1:$PORT, streaming the answer back (AWS_LWA_INVOKE_MODE=response_stream).
# Anywhere else (`make serve`, a container, a test) the same line serves the same app.
# Layers unpack to /opt/python and the runtime's boto3 sits in $LAMBDA_RUNTIME_DIR: both go on
# the import path, as in AWS's sample (aws-samples/serverless-samples, apigw-response-streaming/
# python-strands-lambda/src/run.sh). Loopback only: the adapter is the one caller.
cd "${LAMBDA_TASK_ROOT:-$(dirname "$0")}" || exit 1
PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}/opt/python${LAMBDA_RUNTIME_DIR:+:$LAMBDA_RUNTIME_DIR}" \
    exec python3 -m uvicorn app:app --host 127.0.0.1 --port "${PORT:-8080}" \
    --no-server-header --no-access-log --log-level warning
