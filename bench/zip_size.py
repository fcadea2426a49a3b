"""Size of the Lambda zip: function/*.py deflated in memory, as the stack packages it.

    .venv/bin/python bench/zip_size.py

Small code deploys and cold-starts faster (Lambda downloads and unpacks it on every cold
start). Target: <= 20 KB. Exits 1 if missed.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

FUNCTION_DIR = Path(__file__).resolve().parents[1] / "function"
LIMIT_BYTES = 20 * 1024


def main() -> int:
    sources = sorted(FUNCTION_DIR.glob("*.py"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sources:
            archive.write(path, path.name)
    size = len(buffer.getvalue())
    source_bytes = sum(path.stat().st_size for path in sources)
    print(f"function zip: {len(sources)} files, {source_bytes} bytes of source -> {size} bytes zipped")
    for path in sources:
        print(f"  {path.name:14s} {path.stat().st_size:6d} bytes")
    print(f"  target <= {LIMIT_BYTES} bytes: {'PASS' if size <= LIMIT_BYTES else 'FAIL'}")
    return 0 if size <= LIMIT_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
