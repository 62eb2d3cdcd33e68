#!/usr/bin/env python3
"""An OTLP/HTTP receiver for the contract suite.

Decodes every `POST /v1/traces` and `POST /v1/metrics` body with the official OpenTelemetry
protobuf definitions (PyPI `opentelemetry-proto`), keeps what it decoded, and answers queries
from the suite as JSON:

    GET /spans?trace_id=<hex>   spans of one trace (ids in hex, attributes as a mapping)
    GET /metrics?name=<name>    data points of one metric, from every export
    GET /exports                 each export's path, content type and authorization header
    GET /attribute-values        every attribute value received (span, metric and resource)

Usage: receiver.py  (prints "listening <port>" once bound to a free loopback port; exits when
its standard input closes, so it never outlives the suite).
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

LOCK = threading.Lock()
SPANS = []
POINTS = []
EXPORTS = []
VALUES = set()


def any_value(value):
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def attributes(key_values):
    decoded = {kv.key: any_value(kv.value) for kv in key_values}
    for item in decoded.values():
        VALUES.add(str(item))
    return decoded


def take_traces(body):
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                SPANS.append({
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": span.kind,
                    "start_time_unix_nano": span.start_time_unix_nano,
                    "end_time_unix_nano": span.end_time_unix_nano,
                    "attributes": attributes(span.attributes),
                    "status_code": span.status.code,
                    "status_message": span.status.message,
                    "resource": resource,
                })
    return ExportTraceServiceResponse().SerializeToString()


def take_metrics(body):
    request = ExportMetricsServiceRequest()
    request.ParseFromString(body)
    for resource_metrics in request.resource_metrics:
        resource = attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                for point in getattr(metric, kind).data_points:
                    decoded = {"name": metric.name, "unit": metric.unit, "kind": kind,
                               "attributes": attributes(point.attributes), "resource": resource}
                    if kind == "histogram":
                        decoded.update(count=point.count, sum=point.sum, bucket_counts=list(point.bucket_counts))
                    else:
                        decoded["value"] = point.as_int if point.WhichOneof("value") == "as_int" else point.as_double
                    POINTS.append(decoded)
    return ExportMetricsServiceResponse().SerializeToString()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self):
        body = self.read_body()
        path = urlparse(self.path).path
        take = {"/v1/traces": take_traces, "/v1/metrics": take_metrics}.get(path)
        if take is None:
            return self.answer(404, b"", "text/plain")
        try:
            with LOCK:
                answer = take(body)
                EXPORTS.append({"path": path, "content_type": self.headers.get("Content-Type"),
                                "authorization": self.headers.get("Authorization")})
        except Exception as error:  # a body the official messages cannot decode
            return self.answer(400, str(error).encode(), "text/plain")
        self.answer(200, answer, "application/x-protobuf")

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with LOCK:
            if url.path == "/spans":
                found = [s for s in SPANS if s["trace_id"] == query.get("trace_id")]
            elif url.path == "/metrics":
                found = [p for p in POINTS if p["name"] == query.get("name")]
            elif url.path == "/exports":
                found = list(EXPORTS)
            elif url.path == "/attribute-values":
                found = sorted(VALUES)
            else:
                return self.answer(404, b"", "text/plain")
        self.answer(200, json.dumps(found).encode(), "application/json")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"listening {server.server_address[1]}", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
