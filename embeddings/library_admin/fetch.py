"""Fetching a document by its link, with the care a link from a chat needs: http(s) only; every
address the host resolves to, at every redirect, must be public (unless ALLOW_PRIVATE_URLS);
the connection goes to the address that was checked, so the name cannot be resolved anew to
another; at most five redirects, FETCH_TIMEOUT seconds in all and MAX_DOCUMENT_MB bytes; the
content type says the format (a web page, a PDF or a Word file).

urllib3 (already installed with trafilatura) does the HTTP: it connects to a given address while
naming the host for TLS (``server_hostname``, ``assert_hostname``), does not follow redirects
unless asked and streams the body in chunks; the standard library's ``urllib.request`` does none
of these without subclassing its handlers."""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from embeddings.config import EngineSettings
from embeddings.errors import EngineError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
GONE = frozenset({404, 410})
CHUNK_BYTES = 64 * 1024
USER_AGENT = "statement-bot/0.1 (a document an administrator added by its link)"
# Content type -> the suffix of the reader (embeddings/corpus/formats/) that reads it.
SUFFIX_OF_TYPE = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
# A server that names no useful type: the link's own suffix says the format.
UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream"})
URL_SUFFIXES = {".html": ".html", ".htm": ".html", ".pdf": ".pdf", ".docx": ".docx"}
ACCEPT = ", ".join(SUFFIX_OF_TYPE) + ", */*;q=0.1"


class FetchFailed(EngineError):
    """A link that could not be fetched; the message says why, in words that follow the link
    ("answered 404 Not Found"). ``gone``: the server says the page is no more (404, 410)."""

    def __init__(self, problem: str, *, gone: bool = False) -> None:
        super().__init__(problem)
        self.gone = gone


@dataclass(frozen=True)
class FetchRules:
    """How long a fetch may take, how big its body may be, and whether private addresses may be read."""

    timeout: float
    max_bytes: int
    allow_private: bool

    @classmethod
    def of(cls, settings: EngineSettings) -> FetchRules:
        return cls(settings.fetch_timeout, settings.max_document_bytes, settings.allow_private_urls)


@dataclass(frozen=True)
class Fetched:
    """What a link gave: the body and the suffix of its format, or, for a conditional request the
    server answered 304, ``not_modified`` and no body."""

    url: str  # the link as given
    final_url: str  # where it led, after redirects
    body: bytes
    suffix: str  # ".html", ".pdf" or ".docx"; "" when not modified
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


def is_link(text: str) -> bool:
    """Whether ``text`` is a link (``scheme://...``) rather than a file path."""
    scheme, sep, _ = text.strip().partition("://")
    return bool(sep) and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()


def fetch(url: str, rules: FetchRules, *, etag: str = "", last_modified: str = "") -> Fetched:
    """Fetch ``url`` (with ``If-None-Match`` / ``If-Modified-Since`` when ``etag`` /
    ``last_modified`` are given); raises :class:`FetchFailed` saying why it cannot be used."""
    deadline = time.monotonic() + rules.timeout
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url.strip()
    for _ in range(MAX_REDIRECTS + 1):
        pool, response = _request(current, headers, rules, deadline)
        try:
            if response.status in REDIRECTS:
                location = response.headers.get("Location", "").strip()
                if not location:
                    raise FetchFailed(f"answered {response.status} (a redirect) without saying where to")
                log.info("%s redirects to %s", current, location)
                current = urljoin(current, location)
                continue
            return _body(url, current, response, rules, deadline)
        finally:
            response.release_conn()
            pool.close()
    raise FetchFailed(f"redirects more than {MAX_REDIRECTS} times")


def _request(url: str, headers: dict[str, str], rules: FetchRules, deadline: float):
    """A GET of ``url`` from the checked addresses its host resolves to (the next one if one cannot
    be reached): the pool and the response, its body not read yet."""
    import urllib3

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchFailed(f"is not an http(s) link ({scheme or 'no scheme'}:)")
    try:
        host, port = parts.hostname, parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise FetchFailed(f"has a bad port ({exc})") from exc
    if not host:
        raise FetchFailed("names no host")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {**headers, "Host": parts.netloc.rpartition("@")[2]}
    failure: FetchFailed | None = None
    for address in checked_addresses(host, port, rules.allow_private):
        left = max(0.1, deadline - time.monotonic())
        timeout = urllib3.Timeout(connect=left, read=left)
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1,
                                               server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED")
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
        try:
            return pool, pool.urlopen("GET", target, headers=headers, redirect=False, retries=False,
                                      preload_content=False, assert_same_host=False)
        except urllib3.exceptions.HTTPError as exc:
            pool.close()
            failure = _failure(exc, rules)
            if not isinstance(exc, urllib3.exceptions.NewConnectionError):
                break  # reached, and then it failed: another address of the host would not do better
    raise failure or FetchFailed("could not be reached")


def _failure(exc: Exception, rules: FetchRules) -> FetchFailed:
    """One line for what went wrong on the wire."""
    import urllib3

    if isinstance(exc, urllib3.exceptions.NewConnectionError):  # a ConnectTimeoutError by descent, but refused
        return FetchFailed(f"could not be reached ({_reason(exc)})")
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return FetchFailed(f"did not answer within {rules.timeout:g} seconds (FETCH_TIMEOUT)")
    if isinstance(exc, urllib3.exceptions.SSLError):
        return FetchFailed(f"has a certificate that cannot be trusted ({_reason(exc)})")
    return FetchFailed(f"could not be reached ({_reason(exc)})")


def _reason(exc: Exception) -> str:
    """The words of the error underneath urllib3's ("[Errno 111] Connection refused")."""
    cause = exc.__cause__ or exc.__context__
    return str(cause or exc)


def checked_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses to connect to for ``host``: every address it resolves to is checked, and a
    loopback, private, link-local, multicast, reserved or otherwise non-public one is refused
    unless ``allow_private``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(f"names a host that cannot be found ({host})") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchFailed(f"names a host that cannot be found ({host})")
    if not allow_private:
        for address in addresses:
            why = not_public(address)
            if why:
                raise FetchFailed(f"leads to {address}, a {why} address; refused (ALLOW_PRIVATE_URLS=1 allows it)")
    return addresses


def not_public(address: str) -> str:
    """What makes an IP address one a link must not lead to ("loopback", "private", ...); "" if public."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for why, test in (("loopback", ip.is_loopback), ("unspecified", ip.is_unspecified),
                      ("link-local", ip.is_link_local), ("multicast", ip.is_multicast), ("reserved", ip.is_reserved),
                      ("private", ip.is_private), ("non-public", not ip.is_global)):
        if test:
            return why
    return ""


def _body(url: str, final: str, response, rules: FetchRules, deadline: float) -> Fetched:
    """The response's body, read in chunks up to the size limit and the deadline."""
    import urllib3

    etag = response.headers.get("ETag", "")
    last_modified = response.headers.get("Last-Modified", "")
    if response.status == 304:
        return Fetched(url, final, b"", "", etag, last_modified, not_modified=True)
    if response.status != 200:
        raise FetchFailed(f"answered {response.status} {response.reason or ''}".rstrip(),
                          gone=response.status in GONE)
    suffix = format_of(response.headers.get("Content-Type", ""), final)
    length = response.headers.get("Content-Length", "").strip()
    if length.isdigit() and int(length) > rules.max_bytes:
        raise FetchFailed(f"is {megabytes(int(length))}, over the {megabytes(rules.max_bytes)} limit (MAX_DOCUMENT_MB)")
    body = bytearray()
    try:
        for chunk in response.stream(CHUNK_BYTES):
            body += chunk
            if len(body) > rules.max_bytes:
                raise FetchFailed(f"is over the {megabytes(rules.max_bytes)} limit (MAX_DOCUMENT_MB)")
            if time.monotonic() > deadline:
                raise FetchFailed(f"did not arrive within {rules.timeout:g} seconds (FETCH_TIMEOUT)")
    except urllib3.exceptions.HTTPError as exc:
        raise _failure(exc, rules) from exc
    return Fetched(url, final, bytes(body), suffix, etag, last_modified)


def format_of(content_type: str, url: str) -> str:
    """The suffix of the reader for a response's content type ("text/html; charset=utf-8" ->
    ".html"); a server that names no type is taken at the link's word (a path ending ``.pdf``).
    Any other type raises :class:`FetchFailed`."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in SUFFIX_OF_TYPE:
        return SUFFIX_OF_TYPE[kind]
    path = urlsplit(url).path.lower()
    suffix = next((s for s in URL_SUFFIXES if path.endswith(s)), "")
    if kind in UNTYPED and suffix:
        return URL_SUFFIXES[suffix]
    raise FetchFailed(f"is {kind or 'of no stated type'}, not a web page, PDF or Word file (.html, .pdf, .docx)")


def megabytes(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"
