"""Everything "local": what stands in for AWS on this machine, for development and tests.

- The Bedrock stand-in (``fake_bedrock``, with ``converse_script`` and ``eventstream``): a
  ConverseStream server on loopback that `make serve OFFLINE=1`, the app tests and the benches
  talk to through a real boto3 client.
- ``emulator``: the real stack deployed to moto's AWS emulator (`make local`, the lifecycle test).

Development tools only; nothing here is deployed (the Lambda zip is function/*.py).
"""
