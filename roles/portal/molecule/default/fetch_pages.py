"""Fetch every kelurahan page of the portal over HTTPS, trusting only the portal's own certificate,
and print what each page lists (run inside the Molecule container by verify.yml)."""

import json
import re
import ssl
import sys
import urllib.request

ca, server, slugs = sys.argv[1], sys.argv[2], sys.argv[3:]
context = ssl.create_default_context(cafile=ca)
pages = {}
for slug in ["", *slugs]:
    with urllib.request.urlopen(
        f"https://{server}/{slug}/" if slug else f"https://{server}/", context=context, timeout=10
    ) as response:
        body = response.read().decode("utf-8")
        pages[slug or "/"] = {
            "status": response.status,
            "h1": (re.search(r"<h1>(.*?)</h1>", body) or [None, ""])[1],
            "apps": re.findall(r'data-app="([^"]+)" data-state="([^"]+)"', body),
            "links": len(re.findall(r'<li><a href="/[^"]+/">', body)),
        }
print(json.dumps(pages))
