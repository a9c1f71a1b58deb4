"""The data-centre stand-in process: every OPD application and the queue pages over HTTPS.

Run by digikel.labsvc.datacentre (`python -m digikel.labsvc.dcserver CONFIG`), never by hand.
One thread-per-connection HTTPS server per lab address; SIGHUP re-reads the fault file, so an
application can be made to refuse connections (its listener closes) or to fail (HTTP 503).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger("digikel.labsvc.dc")

PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>{title}</title>{extra}</head>
<body><h1>{title}</h1>{body}<footer>digikel lab stand-in</footer></body></html>
"""


class LabServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many verify workers may connect at once

    def __init__(self, listener: dict[str, Any], context: ssl.SSLContext, dc: DataCentre) -> None:
        self.listener = listener
        self.context = context
        self.dc = dc
        self.mode: str | None = None
        super().__init__((listener["address"], int(listener["port"])), Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake happens here, in the connection's own thread, so one slow or
        # broken client cannot hold up accept() for the others.
        request.settimeout(10)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            log.info(
                "%s: TLS handshake with %s failed: %s", self.listener["id"], client_address, exc
            )
            return
        try:
            Handler(tls, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                tls.close()


class Handler(BaseHTTPRequestHandler):
    server: LabServer
    server_version = "digikel-lab-dc/1"
    timeout = 10  # a client that stops talking must not hold its thread for ever

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.server.listener["id"], format % args)

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, status: int, doc: dict[str, Any]) -> None:
        self._send(status, json.dumps(doc) + "\n", "application/json")

    def _html(self, status: int, title: str, body: str, extra: str = "") -> None:
        page = PAGE.format(title=html.escape(title), body=body, extra=extra)
        self._send(status, page, "text/html; charset=utf-8")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        listener = self.server.listener
        if self.server.mode == "error":
            self._json(503, {"status": "failing", "id": listener["id"], "fault": "error"})
            return
        path = self.path.split("?", 1)[0]
        if listener["kind"] == "queue":
            self._queue_get(path)
            return
        if listener["kind"] == "portal":
            self._portal_get(path)
            return
        if path == "/health":
            self._json(200, {"status": "ok", **_public(listener)})
        elif path in ("/", "/index.html"):
            body = (
                f"<p class='department'>{html.escape(listener['department'])}</p>"
                f"<p class='purpose'>{html.escape(listener.get('purpose', ''))}</p>"
                f"<p class='id'>{html.escape(listener['id'])}</p>"
            )
            self._html(200, listener["name"], body)
        else:
            self._json(404, {"status": "not found", "path": path})

    def _portal_get(self, path: str) -> None:
        """The portal's launcher page of a kelurahan: its applications grouped by department."""
        dc = self.server.dc
        if path == "/health":
            self._json(200, {"status": "ok", "id": "portal", "sites": len(dc.sites)})
            return
        slug = path.strip("/")
        if not slug:
            items = "".join(
                f"<li><a href='/{s}/'>{html.escape(site['name'])}</a></li>"
                for s, site in dc.sites.items()
            )
            self._html(200, "Portal Layanan Terpadu", f"<ul>{items}</ul>")
            return
        site = dc.sites.get(slug)
        if site is None:
            self._json(404, {"status": "not found", "path": path})
            return
        hidden = set(site.get("hidden", []))
        departments: dict[str, list[str]] = {}
        for app in dc.applications:
            if app["id"] not in hidden:
                link = f"<a href='{html.escape(app['url'])}'>{html.escape(app['name'])}</a>"
                departments.setdefault(app["department"], []).append(f"<li>{link}</li>")
        body = f"<p class='kelurahan'>Kelurahan {html.escape(site['name'])}</p>" + "".join(
            f"<h2>{html.escape(dept)}</h2><ul>{''.join(links)}</ul>"
            for dept, links in departments.items()
        )
        self._html(200, f"Portal Kelurahan {site['name']}", body)

    def _queue_get(self, path: str) -> None:
        if path == "/health":
            self._json(200, {"status": "ok", "id": "queue", "sites": len(self.server.dc.sites)})
            return
        slug, _, page = path.strip("/").partition("/")
        site = self.server.dc.sites.get(slug)
        if site is None or page not in ("display", "status"):
            self._json(404, {"status": "not found", "path": path})
            return
        number = self.server.dc.queue_number(slug)
        if page == "status":
            self._json(200, {"slug": slug, "name": site["name"], "number": number})
            return
        body = (
            f"<p class='kelurahan'>Kelurahan {html.escape(site['name'])}</p>"
            f"<p class='kecamatan'>Kecamatan {html.escape(site['kecamatan'])}</p>"
            f"<p>Nomor antrian</p><p class='number' id='number'>{number}</p>"
        )
        refresh = "<meta http-equiv='refresh' content='5'>"
        self._html(200, f"Antrian Kelurahan {site['name']}", body, refresh)

    def do_POST(self) -> None:
        listener = self.server.listener
        if self.server.mode == "error":
            self._json(503, {"status": "failing", "id": listener["id"], "fault": "error"})
            return
        slug, _, action = self.path.strip("/").partition("/")
        if listener["kind"] != "queue" or action != "next" or slug not in self.server.dc.sites:
            self._json(404, {"status": "not found", "path": self.path})
            return
        self._json(200, {"slug": slug, "number": self.server.dc.call_next(slug)})


def _public(listener: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "department", "url")
    return {k: listener[k] for k in keys if k in listener}


class DataCentre:
    """Every listener of the config, their fault modes and the queue counters."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.sites: dict[str, dict[str, Any]] = {s["slug"]: s for s in config["sites"]}
        self.applications: list[dict[str, Any]] = config.get("applications", [])
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(config["cert"], config["key"])
        self.servers: dict[str, LabServer] = {}
        self.errors: dict[str, str] = {}
        self._numbers: dict[str, int] = {}
        self._lock = threading.Lock()

    def queue_number(self, slug: str) -> str:
        with self._lock:
            return f"A-{self._numbers.get(slug, 1):03d}"

    def call_next(self, slug: str) -> str:
        with self._lock:
            self._numbers[slug] = self._numbers.get(slug, 1) + 1
            return f"A-{self._numbers[slug]:03d}"

    def apply(self, faults: dict[str, str]) -> None:
        for listener in self.config["listeners"]:
            ident = listener["id"]
            mode = faults.get(ident)
            server = self.servers.get(ident)
            if mode == "refuse":
                if server is not None:
                    server.shutdown()
                    server.server_close()
                    del self.servers[ident]
                continue
            if server is None:
                try:
                    server = LabServer(listener, self.context, self)
                except OSError as exc:
                    self.errors[ident] = f"cannot listen on {listener['address']}: {exc}"
                    log.error("%s: %s", ident, self.errors[ident])
                    continue
                self.errors.pop(ident, None)
                self.servers[ident] = server
                thread = threading.Thread(
                    target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
                )
                thread.start()
            server.mode = mode

    def state(self) -> list[dict[str, Any]]:
        rows = []
        for listener in self.config["listeners"]:
            ident = listener["id"]
            server = self.servers.get(ident)
            if ident in self.errors:
                state = "error"
            elif server is None:
                state = "refusing"
            else:
                state = "failing" if server.mode == "error" else "up"
            rows.append({"id": ident, "state": state, "error": self.errors.get(ident)})
        return rows

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()


def _read_faults(path: Path) -> tuple[int, dict[str, str]]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return 0, {}
    return int(doc.get("generation", 0)), dict(doc.get("applications", {}))


def _write_applied(path: Path, generation: int, dc: DataCentre) -> None:
    tmp = path.with_suffix(".tmp")
    doc = {"pid": os.getpid(), "generation": generation, "listeners": dc.state()}
    tmp.write_text(json.dumps(doc, indent=1))
    os.replace(tmp, path)


# Taken by the main thread alone, synchronously (sigwait): a Python handler that sets a
# threading.Event deadlocks when it runs while this thread holds that Event's own lock, which CI
# saw under load (a SIGHUP never applied, the stand-in's main loop stuck for good).
SIGNALS = {signal.SIGHUP, signal.SIGTERM, signal.SIGINT}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = json.loads(Path(argv[0]).read_text())
    faults_path, applied_path = Path(config["faults"]), Path(config["applied"])
    # Before any thread starts: the connection threads inherit the mask and never take them.
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    socket.setdefaulttimeout(None)
    dc = DataCentre(config)
    generation, faults = _read_faults(faults_path)
    dc.apply(faults)
    _write_applied(applied_path, generation, dc)
    log.info("serving %d listeners", len(dc.servers))
    try:
        # A SIGHUP that comes while faults are applied stays pending for the next sigwait.
        while signal.sigwait(SIGNALS) == signal.SIGHUP:
            generation, faults = _read_faults(faults_path)
            dc.apply(faults)
            _write_applied(applied_path, generation, dc)
            log.info("faults applied (generation %d): %s", generation, faults or "none")
    finally:
        dc.close()
        applied_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
