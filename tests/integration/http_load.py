#!/usr/bin/env python3
"""http_load.py — clients that hold tocsind's HTTP connections open, for http_load.sh.

  http_load.py slow PORT N SECONDS STATUS
      N connections that send a request's headers one byte a second and never
      finish them; STATUS gets "open N" once all are connected, and at the end
      "held K" (those the server had not closed).
  http_load.py upload PORT N SIZE SENT SECONDS STATUS
      N POSTs to /api/v1/alerts declaring SIZE bytes, of which SENT are sent,
      then held for SECONDS; once all is sent STATUS gets one line per
      answer seen ("answer CODE") and "unanswered K", and again at the end.
      Sends Authorization: Bearer
      $TOCSIN_TOKEN when that is set.
  http_load.py idle PORT N SECONDS STATUS
      N connections that send nothing; after SECONDS STATUS gets "closed K"
      (those the server closed by then).

Only 127.0.0.1. Every mode stops by itself.
"""
import os
import resource
import select
import socket
import sys
import time

HOST = "127.0.0.1"


def files_for(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n + 64))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def connect_all(port, n):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((HOST, port))
        s.setblocking(False)
        socks.append(s)
    return socks


def write_status(path, lines):
    with open(path + ".part", "w") as f:
        f.write("".join(line + "\n" for line in lines))
    os.rename(path + ".part", path)


def closed_by_server(s):
    """True when the server closed s (EOF or reset); False while it is open and silent."""
    p = select.poll()
    p.register(s, select.POLLIN)
    if not p.poll(0):
        return False
    try:
        return s.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except BlockingIOError:
        return False


def slow(port, n, seconds, status):
    files_for(n)
    socks = connect_all(port, n)
    alive = {s: True for s in socks}
    write_status(status, ["open %d" % n])
    trickle = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        for s in socks:
            if not alive[s]:
                continue
            try:
                s.send(trickle[i % len(trickle):i % len(trickle) + 1])
            except OSError:
                alive[s] = False
        i += 1
        time.sleep(1)
    held = sum(1 for s in socks if alive[s] and not closed_by_server(s))
    write_status(status, ["open %d" % n, "held %d" % held])


def upload_lines(answers, n):
    return ["answer %s" % a for a in answers.values()] + ["unanswered %d" % (n - len(answers))]


def upload(port, n, size, sent, seconds, status):
    files_for(n)
    token = os.environ.get("TOCSIN_TOKEN")
    head = ("POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/cap+xml\r\nContent-Length: %d\r\n" % size)
    if token:
        head += "Authorization: Bearer %s\r\n" % token
    whole = memoryview((head + "\r\n").encode() + b"<" + b"x" * (sent - 1))  # one copy for all
    socks = connect_all(port, n)
    todo = {s: whole for s in socks}
    answers = {}
    end = time.monotonic() + seconds
    sent_at = None  # when every body was sent (or refused): the status is written a second later
    reported = False
    while time.monotonic() < end:
        writing = [s for s in socks if len(todo[s]) and s not in answers]
        reading = [s for s in socks if s not in answers]
        r, w, _ = select.select(reading, writing, [], 0.2)
        for s in w:
            try:
                k = s.send(todo[s][:1 << 20])
                todo[s] = todo[s][k:]
            except OSError:
                todo[s] = todo[s][:0]
        for s in r:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            answers[s] = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "closed"
        if not writing and sent_at is None:
            sent_at = time.monotonic()
        if sent_at is not None and not reported and time.monotonic() > sent_at + 1:
            reported = True
            write_status(status, upload_lines(answers, n))
    write_status(status, upload_lines(answers, n))


def idle(port, n, seconds, status):
    files_for(n)
    socks = connect_all(port, n)
    time.sleep(seconds)
    write_status(status, ["closed %d" % sum(1 for s in socks if closed_by_server(s))])


def main(argv):
    mode = argv[1]
    if mode == "slow":
        slow(int(argv[2]), int(argv[3]), float(argv[4]), argv[5])
    elif mode == "upload":
        upload(int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]), float(argv[6]), argv[7])
    elif mode == "idle":
        idle(int(argv[2]), int(argv[3]), float(argv[4]), argv[5])
    else:
        sys.exit("usage: http_load.py slow|upload|idle ...")


if __name__ == "__main__":
    main(sys.argv)
