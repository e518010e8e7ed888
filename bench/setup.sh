#!/bin/sh
# Installs the SimPy peer's interpreter package (Debian python3-simpy3) for /usr/bin/python3,
# and valgrind for `npm run bench:instructions` (instructions per IRP, bench/instructionCount.ts).
# Needs root. The bench runs without them and prints SKIP for the SimPy ratios and the count.
set -e
if [ "$(id -u)" -ne 0 ]; then
  echo "bench/setup.sh: needs root to apt-get install python3-simpy3 valgrind (try: sudo sh bench/setup.sh)" >&2
  exit 1
fi
apt-get update
apt-get install -y python3-simpy3 valgrind
/usr/bin/python3 -c 'import simpy; print("simpy", simpy.__version__, "for /usr/bin/python3")'
