#!/usr/bin/env python3
"""Python poplib (stdlib) against postkontor's POP3 listener (run by test/interop/pop3-poplib.test.ts).

Usage:
  pop3_session.py fetch HOST PORT USER PASSWORD OUTDIR
      CAPA, USER/PASS, STAT, LIST, UIDL, RETR of every message (each written to OUTDIR/N.eml as
      poplib returns it: lines joined with CRLF, a CRLF after the last), TOP 1 0, QUIT. Prints one
      JSON object with what the server answered.
  pop3_session.py dele HOST PORT USER PASSWORD N [N...]
      USER/PASS, DELE each N, QUIT. Prints JSON with the answers.
  pop3_session.py stls HOST PORT USER PASSWORD
      STLS (certificate not verified: the test server's is self-signed), CAPA, USER/PASS, STAT,
      QUIT. Prints JSON.
Exits non-zero on any protocol error (poplib raises error_proto on -ERR). Stdlib only.
"""
import json
import os
import poplib
import ssl
import sys


def text(b):
    return b.decode("utf-8", "replace")


def login(host, port, user, password):
    pop = poplib.POP3(host, port, timeout=30)
    greeting = pop.getwelcome()
    capa = pop.capa()
    pop.user(user)
    pop.pass_(password)
    return pop, greeting, capa


def fetch(host, port, user, password, outdir):
    pop, greeting, capa = login(host, port, user, password)
    count, octets = pop.stat()
    _, listing, _ = pop.list()
    _, uidls, _ = pop.uidl()
    retrieved = []
    for line in listing:
        n = int(line.split()[0])
        resp, lines, got = pop.retr(n)
        with open(os.path.join(outdir, f"{n}.eml"), "wb") as f:
            f.write(b"\r\n".join(lines) + (b"\r\n" if lines else b""))
        retrieved.append({"n": n, "resp": text(resp), "octets": got, "lines": len(lines)})
    top = None
    if count:
        resp, lines, got = pop.top(1, 0)
        top = {"resp": text(resp), "text": text(b"\r\n".join(lines) + b"\r\n"), "octets": got}
    quit_resp = pop.quit()
    print(json.dumps({
        "greeting": text(greeting),
        "capa": {k: v for k, v in capa.items()},
        "stat": [count, octets],
        "list": [text(x) for x in listing],
        "uidl": [text(x) for x in uidls],
        "retrieved": retrieved,
        "top": top,
        "quit": text(quit_resp),
    }))


def dele(host, port, user, password, numbers):
    pop, _, _ = login(host, port, user, password)
    answers = [text(pop.dele(int(n))) for n in numbers]
    count, octets = pop.stat()
    quit_resp = pop.quit()
    print(json.dumps({"dele": answers, "stat_after": [count, octets], "quit": text(quit_resp)}))


def stls(host, port, user, password):
    pop = poplib.POP3(host, port, timeout=30)
    before = pop.capa()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # tests only: the test server's certificate is self-signed
    resp = pop.stls(ctx)
    after = pop.capa()
    pop.user(user)
    pop.pass_(password)
    count, octets = pop.stat()
    cipher = pop.sock.cipher()
    quit_resp = pop.quit()
    print(json.dumps({
        "capa_before": list(before.keys()),
        "stls": text(resp),
        "capa_after": list(after.keys()),
        "stat": [count, octets],
        "tls": cipher[1] if cipher else None,
        "quit": text(quit_resp),
    }))


def main():
    mode, host, port, user, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    if mode == "fetch":
        fetch(host, port, user, password, sys.argv[6])
    elif mode == "dele":
        dele(host, port, user, password, sys.argv[6:])
    elif mode == "stls":
        stls(host, port, user, password)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
