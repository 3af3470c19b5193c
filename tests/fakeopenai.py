"""A local OpenAI-compatible chat-completions server for tests: the real `openai` SDK talks HTTP to it.

Each queued item answers one request, in order:
  {"text": ..., "tool_calls": [{"name": ..., "arguments": {...} | "raw json"}], "usage": {...}}  a reply
  {"status": 429, "headers": {"Retry-After": "0"}, "body": {...}}                                an HTTP error
  {"delay": seconds, ...}                                                                       answer late
  {"close": true}                                                                               drop the connection
  {"raw": "<html>...", "content_type": "text/html"}            a 200 with exactly this body (malformed answers)
  {"trickle": seconds}                                         a 200 whose body comes one byte at a time, forever
  {"hang": true}                                               read the request, never answer
  {"message": {...}, "finish_reason": "stop", "usage": null}    a completion carrying exactly this message
                                                               (how local servers really answer); usage null
                                                               leaves it out
A request with `stream: true` gets the same reply as server-sent events, as OpenAI sends them: the text in
pieces, each tool call's name then its arguments in two halves, the finish reason, and (only when the request
asks `stream_options.include_usage`) a last chunk with no choices that carries the usage; then `[DONE]`.
GET `/v1/models` and `/props` answer `models=` and `props=` (404 when not given), as llama.cpp and vLLM do.

Sampling (`variants=[script_a, script_b, ...]`): a request with temperature > 0 and a `seed` is answered
from the variant a seeded random draw picks (`variant_for(seed)`), at that seed's next position, so
parallel attempts with different seeds follow different scripts and the same seed always the same one.
Requests without a seed, or at temperature 0, take the shared `script` queue as above.
"""

from __future__ import annotations

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self, script: list[dict[str, Any]] | None = None, *, report_usage: bool = True,
                 variants: list[list[dict[str, Any]]] | None = None, models: dict[str, Any] | None = None,
                 props: dict[str, Any] | None = None):
        self.gets: dict[str, Any] = {"/v1/models": models, "/props": props}
        self.get_paths: list[str] = []
        self.script = list(script or [])
        self.variants = [list(v) for v in variants or []]
        self._position: dict[int, int] = {}  # seed -> replies served
        self.requests: list[dict[str, Any]] = []
        self.report_usage = report_usage
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # ends hanging and trickling answers at shutdown
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def push(self, *items: dict[str, Any]) -> None:
        with self._lock:
            self.script.extend(items)

    def variant_for(self, seed: int) -> int:
        return random.Random(f"fake-{seed}").randrange(len(self.variants))

    def _next(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        empty = {"status": 500, "body": {"error": {"message": "script empty"}}}
        body = body or {}
        with self._lock:
            seed = body.get("seed")
            if self.variants and seed is not None and float(body.get("temperature") or 0) > 0:
                variant = self.variants[self.variant_for(seed)]
                at = self._position.get(seed, 0)
                self._position[seed] = at + 1
                return variant[at] if at < len(variant) else empty
            return self.script.pop(0) if self.script else empty

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                fake.get_paths.append(self.path)
                answer = fake.gets.get(self.path)
                payload = json.dumps(answer if answer is not None else {"error": "not found"}).encode()
                self.send_response(200 if answer is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                item = fake._next(body)
                if item.get("delay"):
                    time.sleep(item["delay"])
                if item.get("hang"):
                    while not fake.stopping.wait(0.1):
                        pass
                    return
                if "raw" in item or "trickle" in item:
                    self._send_raw(item)
                    return
                if item.get("close"):
                    self.close_connection = True
                    self.connection.close()
                    return
                if "status" in item:
                    payload = json.dumps(item.get("body", {"error": {"message": f"injected {item['status']}"}}))
                    self.send_response(item["status"])
                    for k, v in item.get("headers", {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload.encode())
                    return
                if body.get("stream"):
                    self._send_events(fake.chunks(body, fake._completion(body, item)))
                    return
                payload = json.dumps(fake._completion(body, item)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _send_events(self, chunks: list[dict[str, Any]]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

            def _send_raw(self, item: dict[str, Any]) -> None:
                body = str(item.get("raw", "")).encode()
                self.send_response(200)
                self.send_header("Content-Type", item.get("content_type", "application/json"))
                if "trickle" in item:  # a body that never ends: each byte arrives well inside a read timeout
                    self.end_headers()
                    self.wfile.write(b'{"id": "slow", ')
                    while not fake.stopping.wait(item["trickle"]):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _completion(self, request: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
        if "message" in item:
            return self._raw_completion(request, item)
        calls = []
        for i, call in enumerate(item.get("tool_calls", [])):
            args = call.get("arguments", {})
            calls.append({"id": call.get("id", f"call_{len(self.requests)}_{i}"), "type": "function",
                          "function": {"name": call["name"],
                                       "arguments": args if isinstance(args, str) else json.dumps(args)}})
        message: dict[str, Any] = {"role": "assistant", "content": item.get("text")}
        if calls:
            message["tool_calls"] = calls
        prompt_chars = len(json.dumps(request.get("messages", [])))
        usage = item.get("usage") or {"prompt_tokens": prompt_chars // 4, "completion_tokens": 20,
                                      "total_tokens": prompt_chars // 4 + 20}
        out: dict[str, Any] = {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
                               "created": int(time.time()), "model": request.get("model", "fake"),
                               "choices": [{"index": 0, "message": message,
                                            "finish_reason": "tool_calls" if calls else "stop"}]}
        if self.report_usage:
            out["usage"] = usage
        return out

    @staticmethod
    def chunks(request: dict[str, Any], completion: dict[str, Any]) -> list[dict[str, Any]]:
        """`completion` as the chunks of a stream."""
        head = {k: completion[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
        choice, deltas = completion["choices"][0], [{"role": "assistant"}]
        text = choice["message"].get("content") or ""
        deltas += [{"content": text[i:i + 7]} for i in range(0, len(text), 7)]
        for i, call in enumerate(choice["message"].get("tool_calls") or []):
            args = call["function"]["arguments"]
            args = args if isinstance(args, str) else json.dumps(args)
            deltas.append({"tool_calls": [{"index": i, "id": call.get("id"), "type": "function",
                                           "function": {"name": call["function"]["name"], "arguments": ""}}]})
            for half in (args[: len(args) // 2], args[len(args) // 2:]):
                deltas.append({"tool_calls": [{"index": i, "function": {"arguments": half}}]})
        out = [head | {"choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
        out.append(head | {"choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]})
        if (request.get("stream_options") or {}).get("include_usage") and completion.get("usage"):
            out.append(head | {"choices": [], "usage": completion["usage"]})
        return out

    def _raw_completion(self, request: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
                               "created": int(time.time()), "model": request.get("model", "fake"),
                               "choices": [{"index": 0, "message": item["message"],
                                            "finish_reason": item.get("finish_reason", "stop")}]}
        usage = item.get("usage", {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60})
        if usage is not None:
            out["usage"] = usage
        return out
