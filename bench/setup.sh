#!/bin/sh
# Installs the SimPy peer's interpreter package (Debian python3-simpy3) for /usr/bin/python3.
# Needs root. The bench runs without it and prints SKIP for the SimPy ratios.
set -e
if [ "$(id -u)" -ne 0 ]; then
  echo "bench/setup.sh: needs root to apt-get install python3-simpy3 (try: sudo sh bench/setup.sh)" >&2
  exit 1
fi
apt-get update
apt-get install -y python3-simpy3
/usr/bin/python3 -c 'import simpy; print("simpy", simpy.__version__, "for /usr/bin/python3")'
