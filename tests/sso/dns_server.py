"""A small authoritative DNS server (dnslib) for the domain-verification tests.

Run as a process: `python dns_server.py PORT RECORDS_JSON`. It answers TXT queries
from the JSON file ({"name.": ["value", ...]}), read again on every query, so a test
publishes a record by rewriting the file. Every other name is NXDOMAIN.
"""

import json
import sys
import time
from pathlib import Path

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class FileResolver(BaseResolver):
    def __init__(self, path: Path):
        self.path = path

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower()
        try:
            records = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            records = {}
        values = records.get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in values:
                reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(value), ttl=1))
        return reply


def main() -> None:
    port, path = int(sys.argv[1]), Path(sys.argv[2])
    server = DNSServer(
        FileResolver(path), port=port, address="127.0.0.1", logger=DNSLogger("-request,-reply")
    )
    server.start_thread()
    print("ready", flush=True)
    while server.isAlive():
        time.sleep(0.5)


if __name__ == "__main__":
    main()
