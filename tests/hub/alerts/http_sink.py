#!/usr/bin/python3
"""A real HTTP server for the webhook notifier's tests: each POST is written to DIR/NNNN.json
({"path", "headers", "body"}) before the answer, whose status is the content of DIR/status
when that file exists (so a test can make the peer fail and recover), else 200."""
import argparse
import json
import os
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    folder = pathlib.Path(args.dir)
    lock = threading.Lock()
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                count[0] += 1
                n = count[0]
            status_file = folder / "status"
            status = int(status_file.read_text().strip()) if status_file.exists() else 200
            record = {"path": self.path, "headers": dict(self.headers.items()),
                      "body": body.decode("utf-8", "replace"), "status": status}
            tmp = folder / f"{n:04d}.tmp"
            tmp.write_text(json.dumps(record))
            os.rename(tmp, folder / f"{n:04d}.json")
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"http sink on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
