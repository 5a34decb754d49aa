#!/usr/bin/env python3
"""Receives syslog datagrams on a unix socket and appends them to a file.
Used by tests to see what the hooks send to syslog (runtimes drop stderr)."""
import socket
import sys

sock_path, out_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
s.settimeout(seconds)
with open(out_path, "ab", buffering=0) as out:
    out.write(b"")
    try:
        while True:
            out.write(s.recv(65536) + b"\n")
    except socket.timeout:
        pass
