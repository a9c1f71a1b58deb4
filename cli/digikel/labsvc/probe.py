"""Check an application, queue page or the portal from this machine, as the rollout's verify does.

In the lab environment the real URL is mapped to its lab address; TLS is verified against the
lab CA *for the real host name* (SNI and hostname check use the name, the TCP connection goes to
the loopback address), so a wrong certificate fails exactly as it would in production. In
production the real URL is fetched with the system's trust store. Verification is never off.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digikel.errors import DigikelError
from digikel.labsvc.addresses import LabTarget, lab_target
from digikel.labsvc.state import resolve_state_dir
from digikel.labsvc.tls import lab_ca_path

if TYPE_CHECKING:
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


def _resolve(target: str | Application, inv: Inventory | None) -> str:
    if isinstance(target, str):
        if target.startswith("https://") or target.startswith("http://"):
            return target
        if inv is None:
            raise DigikelError(f"{target!r}: an application id needs the inventory")
        for app in inv.applications:
            if app.id == target:
                return app.url
        from digikel.errors import InputError

        known = ", ".join(a.id for a in inv.applications)
        raise InputError(f"unknown application {target!r}: expected a URL or one of {known}")
    return target.url


def probe(
    target: str | Application,
    *,
    inventory: Inventory,
    state_dir: Path | str | None = None,
    timeout: float = 5.0,
    path: str | None = None,
) -> ProbeResult:
    """GET an application (id, Application or URL), a queue page or portal URL.

    `path` replaces the URL's path (e.g. "/health"). Never raises for an unreachable or failing
    service: the result says what happened. Raises InputError for a URL the lab cannot map.
    """
    url = _resolve(target, inventory)
    parts = urlsplit(url)
    if path is not None:
        url = parts._replace(path=path, query="").geturl()
        parts = urlsplit(url)
    if inventory.environment == "lab":
        from digikel.labsvc.datacentre import datacentre_plan

        directory = resolve_state_dir(state_dir)
        mapped: LabTarget = lab_target(inventory, url, datacentre_plan(directory))
        ca = lab_ca_path(directory)
        if not ca.is_file():
            raise DigikelError(
                f"no lab CA at {ca}: start the lab services (`digikel lab services up`) first"
            )
        context = ssl.create_default_context(cafile=str(ca))
        host, address, port, request_path = (
            mapped.host_name,
            mapped.address,
            mapped.port,
            mapped.path,
        )
    else:
        context = ssl.create_default_context()
        host = parts.hostname or ""
        address, port = host, parts.port or 443
        request_path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    connection = _PinnedHTTPSConnection(host, port, address, context, timeout)
    status: int | None = None
    body = ""
    error: str | None = None
    try:
        connection.request("GET", request_path, headers={"User-Agent": "digikel-verify"})
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
        url=url,
        connected_to=f"{address}:{port}",
        ok=error is None,
        status=status,
        error=error,
        body=body,
        elapsed_ms=round(elapsed, 1),
    )
