#!/usr/bin/env python3
"""A full imaplib session against postkontor (run by test/interop/python-imaplib.test.ts).

Usage: session.py HOST PORT USER PASSWORD
Expects INBOX to hold exactly one message delivered through the store (subject "Welcome").
Prints each step; on a mismatch prints what differed and exits 1. Stdlib only.
"""
import imaplib
import re
import sys
import time

HOST, PORT, USER, PASSWORD = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


class Mismatch(Exception):
    pass


def check(cond, what, got=None):
    if not cond:
        raise Mismatch(f"{what}" + ("" if got is None else f"\n  got: {got!r}"))


def ok(typ_data, what):
    typ, data = typ_data
    check(typ == "OK", f"{what}: expected OK", (typ, data))
    return data


def step(name):
    print(f"-- {name}", flush=True)


MSG_PLAIN = (
    b"From: Frank <frank@example.net>\r\n"
    b"To: alice@example.org\r\n"
    b"Subject: Python plain\r\n"
    b"Date: Thu, 5 Nov 2026 12:00:00 +0000\r\n"
    b"Message-ID: <py1@example.net>\r\n"
    b"\r\n"
    b"A body line from Python.\r\n"
)
MSG_UTF8 = (
    b"From: =?utf-8?q?J=C3=BCrgen?= <juergen@example.de>\r\n"
    b"To: alice@example.org\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?=\r\n"
    b"Date: Thu, 5 Nov 2026 12:05:00 +0100\r\n"
    b"Message-ID: <py2@example.de>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9fe.\r\n"
)


def fetch_items(data):
    """imaplib FETCH data -> the (prefix, literal) pairs; the text after each literal is dropped."""
    return [(item[0], item[1]) for item in data if isinstance(item, tuple)]


def main():
    step("connect + CAPABILITY")
    m = imaplib.IMAP4(HOST, PORT, timeout=10)
    # The wire trace goes to stderr; the test shows it when the script fails.
    m.debug = 4
    check("IMAP4REV1" in m.capabilities, "IMAP4rev1 announced", m.capabilities)

    step("LOGIN")
    ok(m.login(USER, PASSWORD), "LOGIN")
    check(m.state == "AUTH", "state AUTH after LOGIN", m.state)

    step("LIST")
    data = ok(m.list(), "LIST")
    lines = [d.decode() for d in data]
    names = {}
    for line in lines:
        mt = re.match(r'^\((.*?)\) "(.)" (.+)$', line)
        check(mt is not None, "LIST line shape", line)
        names[mt.group(3).strip('"')] = mt.group(1).split()
    check(set(names) == {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"}, "LIST names", lines)
    check("\\Sent" in names["Sent"] and "\\Trash" in names["Trash"], "special-use attributes", lines)

    step("SELECT INBOX")
    data = ok(m.select("INBOX"), "SELECT")
    check(data == [b"1"], "SELECT reports EXISTS 1", data)
    uidvalidity = m.response("UIDVALIDITY")[1]
    check(uidvalidity and uidvalidity[0] and uidvalidity[0].isdigit(), "UIDVALIDITY response code", uidvalidity)
    flags = m.response("FLAGS")[1]
    check(flags and b"\\Seen" in flags[0], "FLAGS untagged response", flags)

    step("APPEND with flags and INTERNALDATE")
    date = imaplib.Time2Internaldate(time.mktime((2026, 11, 5, 13, 0, 0, 0, 0, -1)))
    data = ok(m.append("INBOX", "(\\Flagged $Python)", date, MSG_PLAIN), "APPEND plain")
    check(b"APPENDUID" in data[0], "APPENDUID in the tagged OK", data)
    appenduid = data[0].decode()
    check(re.search(r"APPENDUID \d+ 2\]", appenduid), "APPENDUID gives UID 2", appenduid)
    ok(m.append("INBOX", None, None, MSG_UTF8), "APPEND utf-8")

    step("NOOP reports the new messages")
    ok(m.noop(), "NOOP")
    exists = m.response("EXISTS")[1]
    check(exists and exists[-1] == b"3", "EXISTS 3 after the appends", exists)

    step("FETCH RFC822 (byte-exact)")
    data = ok(m.fetch("2", "(RFC822)"), "FETCH RFC822")
    items = fetch_items(data)
    check(len(items) == 1 and items[0][1] == MSG_PLAIN, "RFC822 equals the appended bytes", data)
    check(re.match(rb"^2 \(RFC822 \{\d+\}$", items[0][0]), "FETCH prefix", items[0][0])

    step("FETCH BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]")
    data = ok(m.fetch("1:3", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"), "FETCH header fields")
    items = fetch_items(data)
    check(len(items) == 3, "three answers", data)
    for prefix, _ in items:
        check(b"BODY[HEADER.FIELDS (SUBJECT FROM)]" in prefix.upper(), "label names the asked fields", prefix)
    check(items[1][1] == b"From: Frank <frank@example.net>\r\nSubject: Python plain\r\n\r\n", "fields in message order", items[1][1])

    step("FETCH FLAGS (PEEK left \\Seen unset; RFC822 set it)")
    data = ok(m.fetch("1:3", "(FLAGS)"), "FETCH FLAGS")
    flags_by_seq = {}
    for line in data:
        mt = re.match(rb"^(\d+) \(.*FLAGS \(([^)]*)\)", line)
        check(mt is not None, "FETCH FLAGS shape", line)
        # \Recent is per session (RFC 3501 §2.3.2): this session claimed all three.
        check("\\Recent" in mt.group(2).decode().split(), "\\Recent in this rev1 session", line)
        flags_by_seq[int(mt.group(1))] = sorted(f for f in mt.group(2).decode().split() if f != "\\Recent")
    check(flags_by_seq[1] == [], "message 1 unseen", flags_by_seq)
    check(flags_by_seq[2] == ["$Python", "\\Flagged", "\\Seen"], "message 2: appended flags + \\Seen from RFC822", flags_by_seq)
    check(flags_by_seq[3] == [], "message 3 unseen", flags_by_seq)

    step("STORE +FLAGS / -FLAGS.SILENT")
    data = ok(m.store("1", "+FLAGS", "(\\Answered)"), "STORE +FLAGS")
    check(any(b"\\Answered" in d for d in data), "STORE answers with the new FLAGS", data)
    data = ok(m.store("2", "-FLAGS.SILENT", "(\\Flagged)"), "STORE -FLAGS.SILENT")
    check(data == [None], "no FETCH for .SILENT", data)

    step("SEARCH")
    check(ok(m.search(None, "ALL"), "SEARCH ALL") == [b"1 2 3"], "SEARCH ALL", None)
    check(ok(m.search(None, "SEEN"), "SEARCH SEEN") == [b"2"], "SEARCH SEEN")
    check(ok(m.search(None, "UNSEEN"), "SEARCH UNSEEN") == [b"1 3"], "SEARCH UNSEEN")
    check(ok(m.search(None, "ANSWERED"), "SEARCH ANSWERED") == [b"1"], "SEARCH ANSWERED")
    check(ok(m.search(None, "KEYWORD", "$Python"), "SEARCH KEYWORD") == [b"2"], "SEARCH KEYWORD")
    got = ok(m.search(None, "SUBJECT", '"python plain"'), "SEARCH SUBJECT")
    check(got == [b"2"], "SEARCH SUBJECT (case-insensitive)", got)
    got = ok(m.search(None, "FROM", "frank"), "SEARCH FROM")
    check(got == [b"2"], "SEARCH FROM", got)

    step("SEARCH CHARSET UTF-8 SUBJECT {literal}")
    m.literal = "grüße".encode("utf-8")
    got = ok(m.search("UTF-8", "SUBJECT"), "SEARCH CHARSET UTF-8 SUBJECT")
    check(got == [b"3"], "non-ASCII subject found through the decoded encoded-word", got)
    m.literal = "schöne".encode("utf-8")
    got = ok(m.search("UTF-8", "BODY"), "SEARCH CHARSET UTF-8 BODY")
    check(got == [b"3"], "non-ASCII body text found", got)
    m.literal = "jürgen".encode("utf-8")
    got = ok(m.search("UTF-8", "FROM"), "SEARCH CHARSET UTF-8 FROM")
    check(got == [b"3"], "non-ASCII display name found", got)

    step("UID commands")
    got = ok(m.uid("SEARCH", "1:*"), "UID SEARCH")
    check(got == [b"1 2 3"], "UID SEARCH 1:*", got)
    got = ok(m.uid("SEARCH", "UID", "2:3", "UNSEEN"), "UID SEARCH UID 2:3 UNSEEN")
    check(got == [b"3"], "UID SEARCH UID 2:3 UNSEEN", got)
    data = ok(m.uid("FETCH", "2:3", "(UID RFC822.SIZE)"), "UID FETCH")
    sizes = [re.search(rb"RFC822\.SIZE (\d+)", d) for d in data]
    check([int(s.group(1)) for s in sizes if s] == [len(MSG_PLAIN), len(MSG_UTF8)], "RFC822.SIZE = octets", data)
    data = ok(m.uid("FETCH", "3", "(BODY.PEEK[TEXT])"), "UID FETCH BODY.PEEK[TEXT]")
    check(fetch_items(data)[0][1] == "Schöne Grüße.\r\n".encode("utf-8"), "8-bit body text", data)
    data = ok(m.uid("STORE", "3", "+FLAGS", "(\\Flagged)"), "UID STORE")
    check(any(b"UID 3" in d and b"\\Flagged" in d for d in data), "UID STORE answer carries UID", data)

    step("COPY / UID COPY")
    data = ok(m.copy("1:2", "Archive"), "COPY")
    check(b"COPYUID" in data[0] and re.search(rb"COPYUID \d+ 1:2 1:2\]", data[0]), "COPYUID mapping", data)
    # imaplib's uid() returns untagged data only; the tagged OK carries COPYUID.
    data = ok(m._simple_command("UID", "COPY", "3", "Archive"), "UID COPY")
    check(re.search(rb"COPYUID \d+ 3 3\]", data[0]), "UID COPY mapping", data)
    typ, data = m.copy("1", "Nowhere")
    check(typ == "NO" and b"TRYCREATE" in data[0], "COPY to a missing mailbox: NO [TRYCREATE]", (typ, data))

    step("STORE \\Deleted + EXPUNGE")
    ok(m.store("1", "+FLAGS.SILENT", "(\\Deleted)"), "STORE \\Deleted")
    data = ok(m.expunge(), "EXPUNGE")
    check(data == [b"1"], "EXPUNGE reports sequence 1", data)
    got = ok(m.uid("SEARCH", "ALL"), "UID SEARCH ALL after EXPUNGE")
    check(got == [b"2 3"], "UIDs left after EXPUNGE", got)

    step("CLOSE expunges silently")
    ok(m.store("1", "+FLAGS.SILENT", "(\\Deleted)"), "STORE \\Deleted before CLOSE")
    ok(m.close(), "CLOSE")
    check(m.state == "AUTH", "state AUTH after CLOSE", m.state)
    data = ok(m.status("INBOX", "(MESSAGES UIDNEXT UNSEEN)"), "STATUS")
    check(re.search(rb"MESSAGES 1\b", data[0]) and re.search(rb"UIDNEXT 4\b", data[0]), "STATUS after CLOSE", data)

    step("EXAMINE Archive")
    data = ok(m.select("Archive", readonly=True), "EXAMINE")
    check(data == [b"3"], "Archive holds the three copies", data)
    typ, data = m.store("1", "+FLAGS", "(\\Seen)")
    check(typ == "NO", "STORE refused in a read-only mailbox", (typ, data))

    step("LOGOUT")
    typ, data = m.logout()
    check(typ == "BYE", "LOGOUT answered with BYE", (typ, data))
    print("ALL OK", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Mismatch as e:
        print(f"MISMATCH: {e}", flush=True)
        sys.exit(1)
    except imaplib.IMAP4.error as e:
        print(f"IMAP ERROR: {e}", flush=True)
        sys.exit(1)
