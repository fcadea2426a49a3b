"""Size of the Lambda zip: the files of function/ (our modules, the playground page and run.sh, no __pycache__)
deflated in memory, as the stack packages them.

    .venv/bin/python -m bench.zip_size

Small code deploys and cold-starts faster (Lambda downloads and unpacks it on every cold
start). Target: <= 64 KB. Exits 1 if missed. The target follows what the zip is for: 20 KB
for the original handler; 40 KB for the web app with its streaming relay, the model table
(models.py, ~15 KB of rows and sources) and the playground page (HTML, CSS, JavaScript);
64 KB since the OpenAI wire format (openai_request.py alone is ~27 KB of field rules and
their reasons) made it about 55 KB. What a cold start costs is measured where it matters,
end to end, by bench/ready_to_serve.py; this figure only guards against code that does not
belong in the zip, such as a vendored library: third-party packages go in the layer.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

FUNCTION_DIR = Path(__file__).resolve().parents[1] / "function"
LIMIT_BYTES = 64 * 1024


def main() -> int:
    sources = sorted(path for path in FUNCTION_DIR.iterdir() if path.is_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sources:
            archive.write(path, path.name)  # keeps run.sh's mode 0755
    size = len(buffer.getvalue())
    source_bytes = sum(path.stat().st_size for path in sources)
    print(f"function zip: {len(sources)} files, {source_bytes} bytes of source -> {size} bytes zipped")
    for path in sources:
        print(f"  {path.name:16s} {path.stat().st_size:6d} bytes")
    ok = size <= LIMIT_BYTES
    print(f"{'PASS' if ok else 'FAIL'}  zip size: {size} bytes (target <= {LIMIT_BYTES} bytes)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
