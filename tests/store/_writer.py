"""Test helper (run as a subprocess): save runs to a store in a loop, printing each committed id.

Usage: python _writer.py STORE_URL TAG COUNT PAYLOAD_FLOATS
Each line printed is ``<run id> <i>`` and is printed only after save_run returned (committed).
"""

import sys

import numpy as np

from melian.store import RunStore

url, tag, count, payload = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = RunStore(url)
rng = np.random.default_rng(abs(hash(tag)) % 2**32)
i = 0
while count <= 0 or i < count:
    results = {"tag": tag, "i": i, "values": rng.random(payload)}
    manifest = {"command": "test-writer", "scenario_id": f"writer-{tag}", "seed": i}
    rid = store.save_run("test", results, manifest=manifest, inputs=f"writer: {tag}\ni: {i}\n")
    sys.stdout.write(f"{rid} {i}\n")
    sys.stdout.flush()
    i += 1
