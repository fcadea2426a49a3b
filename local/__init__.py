"""Run the Lambda handler on localhost: an API Gateway stand-in and a Bedrock stand-in.

Development tools only; nothing here is deployed (the Lambda zip is function/*.py).
"""
