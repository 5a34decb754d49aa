#!/usr/bin/env python3
"""Stands in for journald's native socket: receives entries (FIELD=value
lines, or FIELD\\n<le64 length><value>\\n for binary-safe values) on a unix
datagram socket and appends each as one JSON object per line to a file.
Used by tests to check the fields the hooks send, where no journald runs.
Strict: an entry that does not decode is written as {"_INVALID": reason}.
Usage: journal-listen.py SOCKET OUT DEADLINE-SECONDS
Ends on SIGTERM, the test's signal that every sender has exited: what they
sent is queued on the socket by then, and is written out before exiting 0.
Never ends on silence; past DEADLINE (a guard against a test that never
signals) it exits 1."""
import json
import signal
import socket
import struct
import sys
import time


def decode(data):
    fields, i = {}, 0
    while i < len(data):
        nl = data.find(b"\n", i)
        if nl < 0:
            raise ValueError("entry does not end in a newline")
        line = data[i:nl]
        if b"=" in line:
            name, value = line.split(b"=", 1)
            i = nl + 1
        else:
            name = line
            if nl + 9 > len(data):
                raise ValueError("binary field without its length")
            (size,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            value = data[nl + 9:nl + 9 + size]
            if len(value) != size or data[nl + 9 + size:nl + 10 + size] != b"\n":
                raise ValueError("binary field %r of wrong length" % name)
            i = nl + 10 + size
        name = name.decode()
        if not name or name[0] == "_" or not all(c.isupper() or c.isdigit() or c == "_" for c in name):
            raise ValueError("bad field name %r" % name)
        fields[name] = value.decode()
    return fields


stopping = []


def stop(signum, frame):
    stopping.append(signum)


def write(out, data):
    try:
        entry = decode(data)
    except ValueError as e:
        entry = {"_INVALID": str(e)}
    out.write(json.dumps(entry) + "\n")


sock_path, out_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + seconds
# Before the socket exists: the test signals once it is there.
signal.signal(signal.SIGTERM, stop)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
with open(out_path, "a", buffering=1) as out:
    # The handler only notes the signal (a datagram received is always
    # written); the loop looks at least every 0.1 s.
    while not stopping:
        if time.monotonic() > deadline:
            sys.exit("journal-listen: no end signal within %g s" % seconds)
        s.settimeout(0.1)
        try:
            write(out, s.recv(1 << 20))
        except socket.timeout:
            pass
    s.setblocking(False)
    try:
        while True:
            write(out, s.recv(1 << 20))
    except BlockingIOError:
        pass
