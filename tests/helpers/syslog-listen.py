#!/usr/bin/env python3
"""Receives syslog datagrams on a unix socket and appends them to a file.
Used by tests to see what the hooks send to syslog (runtimes drop stderr).
Usage: syslog-listen.py SOCKET OUT DEADLINE-SECONDS
Ends on SIGTERM, the test's signal that every sender has exited: what they
sent is queued on the socket by then, and is written out before exiting 0.
Never ends on silence: a slow sender is waited for, up to DEADLINE (a
guard against a test that never signals), which exits 1."""
import signal
import socket
import sys
import time


stopping = []


def stop(signum, frame):
    stopping.append(signum)


sock_path, out_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + seconds
# Before the socket exists: the test signals once it is there.
signal.signal(signal.SIGTERM, stop)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
with open(out_path, "ab", buffering=0) as out:
    # The handler only notes the signal (a datagram received is always
    # written); the loop looks at least every 0.1 s.
    while not stopping:
        if time.monotonic() > deadline:
            sys.exit("syslog-listen: no end signal within %g s" % seconds)
        s.settimeout(0.1)
        try:
            out.write(s.recv(65536) + b"\n")
        except socket.timeout:
            pass
    s.setblocking(False)
    try:
        while True:
            out.write(s.recv(65536) + b"\n")
    except BlockingIOError:
        pass
