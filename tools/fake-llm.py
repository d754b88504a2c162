#!/usr/bin/env python3
"""Fake local LLM endpoint (Anthropic Messages, Gemini generateContent, OpenAI chat/responses) that always says 'Hi there!'.

Copied from the team's shared tools for the real-agent test tier, with two additions:
- PORT 0 binds an ephemeral port; the bound port is printed on stdout as `listening PORT`.
- `PLEASE_BE_SLOW` streams one token a second for 60 s on every API (Anthropic only, upstream),
  so cancel and prompt-timeout tests work with every agent; only when the last user message asks
  (upstream: anywhere in the history), so a resumed conversation can go on normally; likewise
  `PLEASE_USE_TOOL`, and "after a tool result" means the last user message (claude appends system
  messages after it).
- Each request's log line lists the `MARK_<word>` tokens found anywhere in its body (`marks`), so a
  test can tell whether a resumed session sent its earlier history to the model.
Usage: fake-llm.py PORT LOGFILE
"""
import json, re, sys, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
PORT = int(sys.argv[1]); LOG = open(sys.argv[2], "a")
TEXT = ["Hi", " there", "!"]
def log(**kw):
    LOG.write(json.dumps({"t": time.time(), **kw}) + "\n"); LOG.flush()
def fill(schema, name=""):
    t = str(schema.get("type", "OBJECT")).upper()
    if "enum" in schema:
        return "user" if "user" in schema["enum"] else schema["enum"][0]
    if t == "OBJECT":
        return {k: fill(v, k) for k, v in (schema.get("properties") or {}).items()}
    if t == "ARRAY": return []
    if t in ("INTEGER", "NUMBER"): return 10
    if t == "BOOLEAN": return False
    return "simple"
SLOW = "PLEASE_BE_SLOW"
def last_user(items):
    """The last user-role message of a request's history (claude appends system ones after it)."""
    for item in reversed(items or []):
        if isinstance(item, dict) and item.get("role") == "user":
            return item
    return {}
def slow_ticks():
    for i in range(60):
        yield f"tick{i} "
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def _body(self):
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        try: return json.loads(raw or b"{}")
        except Exception: return {"_raw": raw[:500].decode(errors="replace")}
    def _json(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def _sse_start(self):
        self.send_response(200); self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache"); self.send_header("connection", "close"); self.end_headers()
        self.close_connection = True
    def _ev(self, event, data):
        s = (f"event: {event}\n" if event else "") + f"data: {json.dumps(data)}\n\n"
        self.wfile.write(s.encode()); self.wfile.flush()
    def do_GET(self):
        log(method="GET", path=self.path)
        self._json(404, {"error": {"message": "not found"}})
    def do_HEAD(self):
        log(method="HEAD", path=self.path); self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def do_POST(self):
        body = self._body(); p = self.path
        marks = sorted(set(re.findall(r"MARK_[A-Za-z0-9]+", json.dumps(body))))
        log(method="POST", path=p, stream=body.get("stream"), model=body.get("model"), keys=sorted(body.keys())[:30], marks=marks)
        if "/messages/count_tokens" in p:
            return self._json(200, {"input_tokens": 10})
        if "/v1/messages" in p:
            model = body.get("model", "claude-fake")
            msgs = body.get("messages", [])
            alltext = json.dumps(msgs)
            last = last_user(msgs)
            last_is_tool_result = isinstance(last.get("content"), list) and any(isinstance(c, dict) and c.get("type") == "tool_result" for c in last["content"])
            if body.get("stream") and "PLEASE_USE_TOOL" in json.dumps(last) and not last_is_tool_result and body.get("tools"):
                self._sse_start()
                self._ev("message_start", {"type": "message_start", "message": {"id": "msg_fake_tool", "type": "message", "role": "assistant",
                    "model": model, "content": [], "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}})
                self._ev("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
                self._ev("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "I'll run a command."}})
                self._ev("content_block_stop", {"type": "content_block_stop", "index": 0})
                self._ev("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": f"toolu_fake{time.time_ns()}", "name": "Bash", "input": {}}})
                self._ev("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": json.dumps({"command": "touch created_by_agent.txt", "description": "Create a file"})}})
                self._ev("content_block_stop", {"type": "content_block_stop", "index": 1})
                self._ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 20}})
                self._ev("message_stop", {"type": "message_stop"})
                return
            if body.get("stream") and SLOW in json.dumps(last) and body.get("tools"):
                self._sse_start()
                self._ev("message_start", {"type": "message_start", "message": {"id": "msg_fake_slow", "type": "message", "role": "assistant",
                    "model": model, "content": [], "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}})
                self._ev("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
                try:
                    for i in range(60):
                        self._ev("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f"tick{i} "}})
                        time.sleep(1)
                except Exception as e:
                    log(note="slow stream aborted by client", err=str(e)); return
                self._ev("content_block_stop", {"type": "content_block_stop", "index": 0})
                self._ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 60}})
                self._ev("message_stop", {"type": "message_stop"})
                return
            if not body.get("stream"):
                return self._json(200, {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                    "content": [{"type": "text", "text": "".join(TEXT)}], "stop_reason": "end_turn", "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 3}})
            self._sse_start()
            self._ev("message_start", {"type": "message_start", "message": {"id": "msg_fake", "type": "message", "role": "assistant",
                "model": model, "content": [], "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}})
            self._ev("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
            for t in TEXT:
                time.sleep(0.05)
                self._ev("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}})
            self._ev("content_block_stop", {"type": "content_block_stop", "index": 0})
            self._ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 3}})
            self._ev("message_stop", {"type": "message_stop"})
            return
        if ":streamGenerateContent" in p or ":generateContent" in p:
            usage = {"promptTokenCount": 10, "candidatesTokenCount": 3, "totalTokenCount": 13}
            if ":generateContent" in p:
                gc = body.get("generationConfig") or {}
                log(gen_config=gc)
                txt = "".join(TEXT)
                if gc.get("responseMimeType") == "application/json":
                    txt = json.dumps(fill(gc.get("responseJsonSchema") or gc.get("responseSchema") or {}))
                return self._json(200, {"candidates": [{"content": {"role": "model", "parts": [{"text": txt}]}, "finishReason": "STOP", "index": 0}], "usageMetadata": usage})
            self._sse_start()
            # Gemini merges consecutive user turns into one content, so a resumed session's new
            # prompt shares it with a timed-out PLEASE_BE_SLOW: only its last part is the new prompt.
            if SLOW in json.dumps((last_user(body.get("contents")).get("parts") or [{}])[-1]):
                try:
                    for t in slow_ticks():
                        self._ev(None, {"candidates": [{"content": {"role": "model", "parts": [{"text": t}]}, "index": 0}], "modelVersion": "gemini-fake"})
                        time.sleep(1)
                except Exception as e:
                    log(note="slow stream aborted by client", err=str(e)); return
            for i, t in enumerate(TEXT):
                time.sleep(0.05)
                c = {"content": {"role": "model", "parts": [{"text": t}]}, "index": 0}
                if i == len(TEXT) - 1: c["finishReason"] = "STOP"
                self._ev(None, {"candidates": [c], "usageMetadata": usage, "modelVersion": "gemini-fake"})
            return
        if ":countTokens" in p:
            return self._json(200, {"totalTokens": 10})
        if p.rstrip("/").endswith("/responses"):
            self._sse_start()
            self._ev("response.created", {"type": "response.created", "response": {"id": "resp_fake"}})
            self._ev("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                     "item": {"type": "message", "id": "msg_fake", "role": "assistant", "status": "in_progress", "content": []}})
            texts = TEXT
            if SLOW in json.dumps(last_user(body.get("input") if isinstance(body.get("input"), list) else [])):
                texts = slow_ticks()
            try:
              for t in texts:
                time.sleep(1 if texts is not TEXT else 0.05)
                self._ev("response.output_text.delta", {"type": "response.output_text.delta", "item_id": "msg_fake", "output_index": 0, "content_index": 0, "delta": t})
            except Exception as e:
                log(note="slow stream aborted by client", err=str(e)); return
            self._ev("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                     "item": {"type": "message", "id": "msg_fake", "role": "assistant", "status": "completed",
                              "content": [{"type": "output_text", "text": "".join(TEXT), "annotations": []}]}})
            self._ev("response.completed", {"type": "response.completed", "response": {"id": "resp_fake", "usage": {
                "input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 3,
                "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 13}}})
            return
        if "/chat/completions" in p:
            model = body.get("model", "fake")
            if not body.get("stream"):
                return self._json(200, {"id": "c1", "object": "chat.completion", "created": 0, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(TEXT)}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}})
            self._sse_start()
            texts = list(TEXT)
            if SLOW in json.dumps(last_user(body.get("messages"))):
                texts = list(slow_ticks())
            for i, t in enumerate(texts):
                time.sleep(1 if len(texts) > 3 else 0.05)
                d = {"role": "assistant", "content": t} if i == 0 else {"content": t}
                self._ev(None, {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [{"index": 0, "delta": d, "finish_reason": None}]})
            self._ev(None, {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}})
            self.wfile.write(b"data: [DONE]\n\n"); self.wfile.flush()
            return
        self._json(404, {"error": {"message": f"fake server: unknown path {p}"}})
server = ThreadingHTTPServer(("127.0.0.1", PORT), H)
server.daemon_threads = True
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
