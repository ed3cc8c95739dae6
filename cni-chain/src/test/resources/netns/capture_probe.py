#!/usr/bin/env python3
"""Probe for the capture acceptance tests (Java has no API for SO_ORIGINAL_DST).

  capture_probe.py listen PORT...       accept on every PORT; answer each connection with one line
                                        "port=<listening port> orig=<original destination ip:port>"
  capture_probe.py connect HOST PORT    connect, print the line the listener answered, exit 0
"""
import selectors
import socket
import struct
import sys

SO_ORIGINAL_DST = 80  # linux/netfilter_ipv4.h


def original_dst(conn):
    try:
        raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
        port, = struct.unpack_from("!H", raw, 2)
        return "%s:%d" % (socket.inet_ntoa(raw[4:8]), port)
    except OSError:
        # No NAT entry: the connection was not redirected, so its destination is the socket's own address.
        host, port = conn.getsockname()[:2]
        return "%s:%d" % (host, port)


def listen(ports):
    sel = selectors.DefaultSelector()
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ, port)
    print("listening on %s" % ports, flush=True)
    while True:
        for key, _ in sel.select():
            conn, peer = key.fileobj.accept()
            line = "port=%d orig=%s" % (key.data, original_dst(conn))
            print("%s peer=%s:%d" % (line, peer[0], peer[1]), flush=True)
            try:
                conn.sendall((line + "\n").encode())
            finally:
                conn.close()


def connect(host, port):
    with socket.create_connection((host, port), timeout=5) as s:
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
    print(data.decode().strip())


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen([int(p) for p in sys.argv[2:]])
    else:
        connect(sys.argv[2], int(sys.argv[3]))
