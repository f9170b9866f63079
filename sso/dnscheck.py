"""Domain verification by a DNS TXT record, through dnspython.

The resolver is configurable: `SSO_DNS_NAMESERVERS` ("host" or "host:port" entries)
replaces the system's resolvers, so tests and air-gapped installs point it at a
DNS server of their own.
"""

from dataclasses import dataclass

import dns.exception
import dns.resolver
from django.conf import settings


@dataclass(frozen=True)
class TxtLookup:
    found: bool
    message: str


def _host_port(entry: str) -> tuple[str, int | None]:
    """ "127.0.0.1:5353" -> ("127.0.0.1", 5353); a bare address (IPv6 too) has no port."""
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    if entry.startswith("[") and "]:" in entry:
        host, port = entry[1:].split("]:")
        return host, int(port)
    return entry, None


def resolver() -> dns.resolver.Resolver:
    nameservers = [n for n in getattr(settings, "SSO_DNS_NAMESERVERS", []) if n.strip()]
    res = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        res.nameservers = []
        res.nameserver_ports = {}
        for entry in nameservers:
            host, port = _host_port(entry.strip())
            res.nameservers.append(host)
            if port:
                res.nameserver_ports[host] = port
    res.lifetime = getattr(settings, "SSO_DNS_TIMEOUT", 5.0)
    res.cache = None
    return res


def txt_values(name: str) -> list[str]:
    """Every TXT string published at `name` (empty when there is none)."""
    answer = resolver().resolve(name, "TXT", raise_on_no_answer=False)
    values = []
    for record in answer.rrset or []:
        values.append(b"".join(record.strings).decode(errors="replace"))
    return values


def check_txt(name: str, expected: str) -> TxtLookup:
    """Whether `expected` is among the TXT values at `name`, and a sentence that says so."""
    try:
        values = txt_values(name)
    except dns.resolver.NXDOMAIN:
        return TxtLookup(False, f"No DNS record exists at {name} yet.")
    except (dns.exception.Timeout, dns.resolver.NoNameservers):
        return TxtLookup(False, "The DNS servers did not answer; try again in a moment.")
    except dns.exception.DNSException as exc:
        return TxtLookup(False, f"The DNS lookup failed ({exc.__class__.__name__}).")
    if expected in values:
        return TxtLookup(True, "The TXT record was found.")
    if values:
        return TxtLookup(False, f"{name} has TXT records, but not the expected value.")
    return TxtLookup(False, f"No TXT record at {name} yet.")
