"""An oEmbed provider of our own on loopback: nothing in the embeds tests leaves the machine.

`OEmbedServer` serves, on 127.0.0.1:
- `/videos/<id>`: known to the provider table through `EMBEDS_EXTRA_PROVIDERS`
  (`provider_entry()`), its JSON at `/oembed?url=…`: a video with a thumbnail and an
  iframe player at `/player/<id>`; ids `slow`, `huge`, `bad`, `notfound` misbehave;
- `/pages/<id>`: an ordinary page naming its JSON oEmbed endpoint (discovery), and
  `/plain`: a page with none;
- `/thumb.png`: the thumbnail.
Each request is counted by path, so a test sees what was fetched, and how often.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image, ImageDraw


def thumbnail_png() -> bytes:
    image = Image.new("RGB", (480, 270), (24, 60, 110))
    draw = ImageDraw.Draw(image)
    for x in range(0, 480, 40):
        draw.rectangle([x, 200, x + 20, 270], fill=(240, 180, 40))
    draw.ellipse([180, 60, 300, 180], fill=(220, 80, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class OEmbedServer:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.thumbnail = thumbnail_png()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.hits[parts.path] += 1
                query = parse_qs(parts.query)
                if parts.path == "/oembed":
                    return self.oembed(query.get("url", [""])[0])
                if parts.path.startswith("/pages/"):
                    item = parts.path.rsplit("/", 1)[1]
                    link = (
                        '<link rel="alternate" type="application/json+oembed" '
                        f'href="/oembed?url={server.origin}/videos/{item}-discovered" '
                        'title="oEmbed">'
                    )
                    return self.send(200, "text/html", f"<html><head>{link}</head></html>")
                if parts.path == "/plain":
                    return self.send(200, "text/html", "<html><head></head><p>hi</p></html>")
                if parts.path == "/thumb.png":
                    return self.send(200, "image/png", server.thumbnail)
                return self.send(404, "text/plain", "not here")

            def oembed(self, url: str) -> None:
                item = url.rsplit("/", 1)[-1]
                if item == "slow":
                    time.sleep(3)
                if item == "notfound":
                    return self.send(404, "application/json", "{}")
                if item == "bad":
                    return self.send(200, "application/json", "<html>not json</html>")
                if item == "huge":
                    padding = "x" * (200 * 1024)
                    return self.send(200, "application/json", json.dumps({"pad": padding}))
                data = {
                    "version": "1.0",
                    "type": "video",
                    "title": f"Harbour lights ({item})",
                    "author_name": "Nell Keeper",
                    "provider_name": "Local Tube",
                    "thumbnail_url": f"{server.origin}/thumb.png",
                    "thumbnail_width": 480,
                    "thumbnail_height": 270,
                    "width": 640,
                    "height": 360,
                    "html": f'<iframe src="{server.origin}/player/{item}" width="640" '
                    'height="360" allowfullscreen></iframe><script src="/evil.js"></script>',
                }
                return self.send(200, "application/json", json.dumps(data))

            def send(self, status: int, kind: str, body) -> None:
                content = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first: the slow and huge answers

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def provider_entry(self) -> dict:
        """The provider table's entry for this server (`EMBEDS_EXTRA_PROVIDERS`)."""
        port = self.server.server_address[1]
        return {
            "name": "Local Tube",
            "pattern": rf"http://127\.0\.0\.1:{port}/videos/[\w-]+",
            "endpoint": f"{self.origin}/oembed",
            "frame_origins": [self.origin],
        }

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def oembed_server() -> Iterator[OEmbedServer]:
    running = OEmbedServer()
    yield running
    running.stop()


@pytest.fixture
def provider(oembed_server, settings) -> OEmbedServer:
    """The local server in the provider table, its loopback address let through the
    SSRF guard (as only tests do), and a short deadline."""
    settings.EMBEDS_EXTRA_PROVIDERS = [oembed_server.provider_entry()]
    settings.EMBEDS_ALLOW_PRIVATE = True
    settings.EMBEDS_TIMEOUT_SECONDS = 1
    settings.EMBEDS_MAX_JSON_BYTES = 64 * 1024
    return oembed_server
