"""Developer tools, run as modules from the project root: ``.venv/bin/python -m scripts.<name>``.

The Makefile runs each one; nothing here is deployed. Scripts that host the function's own
modules (serve, openai_fields_table) need function/, Lambda's import root, on the path too:
``PYTHONPATH=function``, as run.sh has it in Lambda.
"""
