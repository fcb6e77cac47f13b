"""HTTP admin API: GET /stats, GET /dead, POST /jobs."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tinyq.serializer import decode_job


def make_handler(queue, token: str):
    class AdminHandler(BaseHTTPRequestHandler):
        def _authorized(self) -> bool:
            return self.headers.get("X-Admin-Token", "") == token

        def _reply(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if not self._authorized():
                return self._reply(403, {"error": "forbidden"})
            if self.path == "/stats":
                return self._reply(200, queue.stats())
            if self.path == "/dead":
                return self._reply(200, [j.to_dict() for j in queue.dead])
            return self._reply(404, {"error": "not found"})

        def do_POST(self):
            if self.path != "/jobs":
                return self._reply(404, {"error": "not found"})
            length = int(self.headers.get("Content-Length", "0"))
            try:
                spec = decode_job(self.rfile.read(length))
            except Exception as exc:
                return self._reply(400, {"error": str(exc)})
            if not self._authorized():
                return self._reply(403, {"error": "forbidden"})
            job = queue.enqueue(spec["name"], spec["payload"],
                                priority=spec.get("priority", 5), delay=spec.get("delay", 0))
            return self._reply(201, {"id": job.id})

    return AdminHandler


def serve(queue, host: str = "0.0.0.0", port: int | None = None) -> None:
    port = port or queue.config.admin_port
    server = ThreadingHTTPServer((host, port), make_handler(queue, queue.config.admin_token))
    server.serve_forever()
