#!/usr/bin/python3
"""SimPy peer of the irpsim benchmark: the 3-level model of performance-anchors.md §2.1.

N users each issue M requests one at a time. Each request (IRP) is a SimPy process that
hops down 3 levels (env.timeout(d) each), is serviced (env.timeout(s)) and hops back up
3 levels (env.timeout(d) each); the user waits for that process, then issues the next.
IRP ids are a global counter from 0 in issue order; the completion-order checksum is
h = h*31 + irpId + now (32-bit). This is the simpler model: no system-call gate, no IRP
structure, no stack locations, no completion routines.

Run with /usr/bin/python3 (Debian's python3-simpy3). Prints one JSON object.
"""
import argparse
import json
import sys
import time

import simpy


def run(n, m, d, s):
    env = simpy.Environment()
    timeout = env.timeout
    process = env.process
    h = 0
    irps = 0
    next_id = 0

    def irp(irp_id):
        nonlocal h, irps
        yield timeout(d)
        yield timeout(d)
        yield timeout(d)
        yield timeout(s)
        yield timeout(d)
        yield timeout(d)
        yield timeout(d)
        h = (h * 31 + irp_id + int(env.now)) & 0xFFFFFFFF
        irps += 1

    def user():
        nonlocal next_id
        for _ in range(m):
            irp_id = next_id
            next_id += 1
            yield process(irp(irp_id))

    start = time.perf_counter()
    for _ in range(n):
        env.process(user())
    env.run()
    seconds = time.perf_counter() - start
    return {
        "engine": "simpy-irp",
        "simpyVersion": getattr(simpy, "__version__", "?"),
        "python": sys.version.split()[0],
        "n": n,
        "m": m,
        "d": d,
        "s": s,
        "irps": irps,
        "events": 7 * irps,
        "endTime": int(env.now),
        "checksum": h,
        "seconds": seconds,
        "irpsPerSec": irps / seconds if seconds > 0 else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--m", type=int, default=300)
    parser.add_argument("--d", type=int, default=0)
    parser.add_argument("--s", type=int, default=0)
    a = parser.parse_args()
    print(json.dumps(run(a.n, a.m, a.d, a.s)))


if __name__ == "__main__":
    main()
