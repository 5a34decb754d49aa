#!/usr/bin/env python3
"""Host process for tests: receives one fd over a unix socket (SCM_RIGHTS),
keeps it open, writes READY (the fd number) once it holds it, and exits
(closing it) once RELEASE exists. READY appears whole (written aside, then
renamed): a container that waits for it may read it at once.
Usage: fd-holder.py SOCKET READY RELEASE"""
import os
import socket
import sys
import time

sock_path, ready, release = sys.argv[1:4]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
conn, _ = srv.accept()
_, fds, _, _ = socket.recv_fds(conn, 1, 1)
if len(fds) != 1:
    sys.exit("fd-holder: got %d fds, want 1" % len(fds))
with open(ready + ".tmp", "w") as f:
    f.write(" ".join(str(x) for x in fds))
os.replace(ready + ".tmp", ready)
while not os.path.exists(release):
    time.sleep(0.05)
