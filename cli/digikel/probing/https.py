"""Fetch an application, queue page or the portal over verified HTTPS, as the rollout's verify does.

The environment (digikel.environment) says where to connect and which CA to trust: production
fetches the real URL with the system's trust store; the lab maps it to its own address and CA,
*for the real host name* (SNI and hostname check use the name), so a wrong certificate fails
exactly as it would in production. Verification is never off.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digikel.errors import DigikelError, InputError

if TYPE_CHECKING:
    from digikel.environment import Environment, HttpsTarget
    from digikel.inventory.model import Inventory
    from digikel.inventory.schema import Application


@dataclass(frozen=True)
class ProbeResult:
    url: str
    connected_to: str  # "address:port" actually dialled
    ok: bool  # HTTP 2xx over verified TLS
    status: int | None
    error: str | None
    body: str
    elapsed_ms: float

    def as_dict(self) -> dict[str, object]:
        data = dict(self.__dict__)
        data.pop("body")
        return data


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `host` (SNI, certificate name, Host header) over a TCP connection to `address`."""

    def __init__(
        self, host: str, port: int, address: str, context: ssl.SSLContext, timeout: float
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls_context = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls_context.wrap_socket(raw, server_hostname=self.host)


def application_url(target: str | Application, inv: Inventory | None) -> str:
    """A URL as given, or the URL of an application (by id or itself)."""
    if isinstance(target, str):
        if target.startswith("https://") or target.startswith("http://"):
            return target
        if inv is None:
            raise DigikelError(f"{target!r}: an application id needs the inventory")
        for app in inv.applications:
            if app.id == target:
                return app.url
        known = ", ".join(a.id for a in inv.applications)
        raise InputError(f"unknown application {target!r}: expected a URL or one of {known}")
    return target.url


def fetch(target: HttpsTarget, timeout: float = 5.0) -> ProbeResult:
    """GET the target over TLS verified for its host name. Never raises for an unreachable or
    failing service: the result says what happened."""
    if target.ca_file is not None:
        context = ssl.create_default_context(cafile=str(target.ca_file))
    else:
        context = ssl.create_default_context()
    started = time.monotonic()
    connection = _PinnedHTTPSConnection(
        target.host_name, target.port, target.address, context, timeout
    )
    status: int | None = None
    body = ""
    error: str | None = None
    try:
        connection.request("GET", target.path, headers={"User-Agent": "digikel-verify"})
        response = connection.getresponse()
        status = response.status
        body = response.read(65536).decode(errors="replace")
        if not 200 <= status < 300:
            error = f"HTTP {status} {response.reason}"
    except ssl.SSLCertVerificationError as exc:
        error = f"TLS verification failed: {exc.verify_message or exc}"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        connection.close()
    elapsed = (time.monotonic() - started) * 1000
    return ProbeResult(
        url=target.url,
        connected_to=f"{target.address}:{target.port}",
        ok=error is None,
        status=status,
        error=error,
        body=body,
        elapsed_ms=round(elapsed, 1),
    )


def probe(
    target: str | Application,
    *,
    inventory: Inventory,
    environment: Environment,
    timeout: float = 5.0,
    path: str | None = None,
) -> ProbeResult:
    """GET an application (id, Application or URL), a queue page or portal URL where the
    environment says. `path` replaces the URL's path (e.g. "/health")."""
    url = application_url(target, inventory)
    if path is not None:
        url = urlsplit(url)._replace(path=path, query="").geturl()
    return fetch(environment.https_target(url), timeout)
