"""Time and peak memory of reading one manifest of N documents, and how they grow with N.

    python benchmarks/scale_documents.py                  # N = 1000, 5000, 20000
    python benchmarks/scale_documents.py 1000 2000        # any sizes
    python benchmarks/scale_documents.py --broken 1000    # every 100th document broken (the slow path)

Each manifest is one file of N documents (Deployments and Services, alternating) written to a
temporary directory and read by svclint's extraction of that file (`extract_file`: YAML loading,
alias checks, Kubernetes facts), in this process. Peak memory is tracemalloc's peak of that call.
Ratios are against the first N: linear growth shows time and memory ratios near N's ratio. Timings
on a shared machine are noisy; compare the ratios within one run.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc


from svclint.extract import extract_file


def document(i: int, broken: bool = False) -> str:
    if broken:
        return f"apiVersion: v1\nkind: Service\nmetadata: {{name: [svc{i}\n"
    if i % 2:
        return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: svc{i - 1}}}\n"
                f"spec:\n  selector: {{app: svc{i - 1}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n")
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc{i}\n  labels: {{app: svc{i}}}\n"
            f"spec:\n  replicas: 2\n  selector: {{matchLabels: {{app: svc{i}}}}}\n  template:\n"
            f"    metadata: {{labels: {{app: svc{i}}}}}\n    spec:\n      containers:\n"
            f"      - name: svc{i}\n        image: example/svc{i}:1.0\n"
            f"        env: [{{name: PEER_URL, value: 'http://svc{i + 2}:80'}}]\n"
            f"        ports: [{{containerPort: 8080}}]\n"
            f"        resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}\n")


def measure(root: str, n: int, broken: bool) -> tuple[float, int, int, int]:
    text = "---\n".join(document(i, broken and i % 100 == 50) for i in range(n))
    with open(os.path.join(root, f"all-{n}.yaml"), "w", encoding="utf-8") as fh:
        fh.write(text)
    tracemalloc.start()
    start = time.perf_counter()
    facts = extract_file(root, f"all-{n}.yaml", "yaml", max_bytes=len(text.encode()) + 1)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    deploy = facts.deploy
    objects = len(deploy.workloads) + len(deploy.services) if deploy else 0
    return seconds, peak, objects, len(facts.errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 5000, 20000])
    parser.add_argument("--broken", action="store_true", help="break every 100th document")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for n in args.sizes:
            rows.append((n, *measure(root, n, args.broken)))
    n0, t0, m0 = rows[0][0], rows[0][1], rows[0][2]
    print("| documents | objects | errors | time (s) | peak memory (MiB) | N ratio | time ratio | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, t, m, objects, errors in rows:
        print(f"| {n} | {objects} | {errors} | {t:.2f} | {m / 2**20:.1f} | {n / n0:.1f} | {t / t0:.2f} | {m / m0:.2f} |")


if __name__ == "__main__":
    main()
