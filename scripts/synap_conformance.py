"""Proves the Synap emulator speaks Synap's wire protocol as the official SDK reads it, and that the Java
client's batch body matches the SDK's. Run by scripts/synap-conformance; exits non-zero on any mismatch.

argv: EMULATOR_URL (a running emulator, --rate-limit 60 --burst 4 --max-document-bytes 2000)
      JAVA_BODY_FILE (what com.synapbackfill.synap.WireSample printed)
"""
import asyncio
import datetime
import http.server
import json
import sys
import tempfile
import threading
import uuid

import maximem_synap
from maximem_synap import MaximemSynapSDK, SDKConfig
from maximem_synap.memories.models import CreateMemoryRequest, DocumentType, IngestMode
from maximem_synap.models.errors import RateLimitError

KEY = "synap_emulator_key"
INSTANCE = "inst_0123456789abcdef"
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def sdk_for(url, retry=True):
    cfg = SDKConfig(api_base_url=url, storage_path=tempfile.mkdtemp(prefix="synap-sdk-"))
    if not retry:
        cfg = SDKConfig(api_base_url=url, storage_path=tempfile.mkdtemp(prefix="synap-sdk-"), retry_policy=None)
    return MaximemSynapSDK(instance_id=INSTANCE, api_key=KEY, config=cfg, _force_new=True)


def the_two_documents():
    return [
        CreateMemoryRequest(document="User: I switched to oat milk.\nAssistant: Noted.",
                            document_type=DocumentType.CONVERSATION,
                            document_id="backfill:0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162:3",
                            document_created_at=datetime.datetime(2025, 3, 2, 9, 15, tzinfo=datetime.timezone.utc),
                            user_id="u-17", customer_id="acme", mode=IngestMode.LONG_RANGE,
                            metadata={"conversation_id": "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162", "source": "backfill",
                                      "message_index": 3}),
        CreateMemoryRequest(document="Refunds are accepted within 30 days.", document_type=DocumentType.DOCUMENT,
                            mode=IngestMode.FAST),
    ]


def doc(i, text="User: hi\nAssistant: hello"):
    return CreateMemoryRequest(document=text, document_id=f"conf:{i}", user_id="u-1",
                               document_created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc),
                               metadata={"i": i})


async def against_emulator(url):
    sdk = sdk_for(url)
    await sdk.initialize()
    run = uuid.uuid4().hex[:8]
    r = await sdk.memories.batch_create(documents=[doc(f"{run}-1"), doc(f"{run}-2"), doc(f"{run}-3")])
    check("valid batch parses: total/succeeded/results", r.total == 3 and r.succeeded == 3 and len(r.results) == 3,
          repr(r))
    check("results keep input order and ids", [x.document_id for x in r.results] == [f"conf:{run}-{i}" for i in (1, 2, 3)])
    check("statuses are queued, ids are UUIDs", all(str(x.status) == "queued" and isinstance(x.ingestion_id, uuid.UUID)
                                                   for x in r.results))
    dup = await sdk.memories.batch_create(documents=[doc(f"{run}-1"), doc(f"{run}-4")])
    check("duplicate document_id is a per-item failure the SDK parses",
          str(dup.results[0].status) == "failed" and "already" in (dup.results[0].error_message or "")
          and str(dup.results[1].status) == "queued", repr(dup))
    big = await sdk.memories.batch_create(documents=[doc(f"{run}-5", "x" * 5000), doc(f"{run}-6")])
    check("invalid (oversized) document is a per-item failure with a message",
          str(big.results[0].status) == "failed" and big.results[0].error_message
          and str(big.results[1].status) == "queued", repr(big))
    st = await sdk.memories.status(r.results[0].ingestion_id) if hasattr(sdk.memories, "status") else None
    if st is not None:
        check("status endpoint parses", st.document_id == f"conf:{run}-1", repr(st))
    await sdk.shutdown()

    # the limit (60/min, burst 4) is spent by now: a 429 the SDK maps to RateLimitError with an int Retry-After
    sdk2 = sdk_for(url, retry=False)
    await sdk2.initialize()
    limited = None
    for i in range(10):  # 60/min with a burst of 4: some call among these is refused
        try:
            await sdk2.memories.batch_create(documents=[doc(f"{run}-r{i}")])
        except RateLimitError as e:
            limited = e
            break
    check("429 raises RateLimitError with integer retry_after_seconds",
          limited is not None and isinstance(limited.retry_after_seconds, int) and limited.retry_after_seconds >= 1,
          repr(limited))
    await sdk2.shutdown()


class Capture(http.server.BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/api/v1/memories/batch"):
            Capture.bodies.append(json.loads(body))
            results = [{"ingestion_id": str(uuid.uuid4()), "document_id": d.get("document_id") or "doc_x",
                        "status": "queued", "queued_at": "2025-03-02T09:15:01Z", "error_message": None}
                       for d in json.loads(body)["documents"]]
            out = json.dumps({"batch_id": str(uuid.uuid4()), "total": len(results), "succeeded": len(results),
                              "failed": 0, "results": results}).encode()
            self.send_response(200)
        else:
            out = b"{}"
            self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        out = json.dumps({"client_id": "cli_0123456789abcdef", "instance_id": INSTANCE}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def shape(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


async def capture_sdk_body():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sdk = sdk_for(f"http://127.0.0.1:{server.server_address[1]}")
    await sdk.initialize()
    await sdk.memories.batch_create(documents=the_two_documents())
    await sdk.shutdown()
    server.shutdown()
    return Capture.bodies[0]


def compare(sdk_body, java_body):
    check("top-level keys match", list(sdk_body.keys()) == list(java_body.keys()),
          f"sdk {list(sdk_body)} java {list(java_body)}")
    check("fail_fast matches", sdk_body.get("fail_fast") == java_body.get("fail_fast"))
    for i, (s, j) in enumerate(zip(sdk_body["documents"], java_body["documents"])):
        check(f"documents[{i}] keys and order match", list(s.keys()) == list(j.keys()), f"sdk {list(s)} java {list(j)}")
        for k in s:
            check(f"documents[{i}].{k} type matches", shape(s[k]) == shape(j.get(k)), f"sdk {s[k]!r} java {j.get(k)!r}")
        for k in ("document", "document_type", "document_id", "user_id", "customer_id", "mode", "metadata"):
            check(f"documents[{i}].{k} value matches", s.get(k) == j.get(k), f"sdk {s.get(k)!r} java {j.get(k)!r}")
        sd, jd = s.get("document_created_at"), j.get("document_created_at")
        same_time = (sd is None and jd is None) or (
            sd is not None and jd is not None and datetime.datetime.fromisoformat(sd.replace("Z", "+00:00"))
            == datetime.datetime.fromisoformat(jd.replace("Z", "+00:00")))
        check(f"documents[{i}].document_created_at is the same instant", same_time, f"sdk {sd!r} java {jd!r}")


async def main():
    url, java_file = sys.argv[1], sys.argv[2]
    print(f"maximem-synap {maximem_synap.__version__} against {url}")
    await against_emulator(url)
    sdk_body = await capture_sdk_body()
    with open(java_file, encoding="utf-8") as f:
        java_body = json.load(f)
    compare(sdk_body, java_body)
    if failures:
        print(f"{len(failures)} conformance check(s) failed")
        sys.exit(1)
    print("synap conformance: all checks passed")


asyncio.run(main())
