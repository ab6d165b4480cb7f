"""A LocalStack Lambda runtime executor without Docker.

LocalStack's community edition runs functions only in Docker containers. This executor starts each execution
environment on the host the way Lambda's managed Java runtime does: AWS's Runtime Interface Emulator (RIE)
runs `java -cp <runtime interface client> ...AWSLambda <handler>` with LAMBDA_TASK_ROOT at the function's
unzipped code (the `lib/<jar>` layout of `sam build`), and every invocation is POSTed to the RIE.

Selected with LAMBDA_RUNTIME_EXECUTOR=synap-rie. Needs, in LocalStack's environment:
  SYNAP_RIE_BIN        the aws-lambda-rie binary (scripts/install-rie)
  SYNAP_RIC_CLASSPATH  a directory holding the Java runtime interface client and its dependencies
  SYNAP_LAMBDA_JAVA    the java binary (default: java on the PATH)
  SYNAP_LAMBDA_LOG_DIR where each environment's output goes (default: a temporary directory)
  SYNAP_AWS_CALLS_JAR  (tests only) a jar of an AWS SDK interceptor put beside the function's own jar, and
  SYNAP_AWS_CALLS_DIR  where it records each function's AWS calls (<function name>.jsonl)

Each execution environment gets a temporary directory of its own (TMPDIR and java.io.tmpdir), as each Lambda
environment has its own /tmp: the runtime interface client unpacks its native library under it, and two cold starts
at once unpacking it to one shared path crashed a JVM (SIGBUS).
"""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor

LOG = logging.getLogger(__name__)

_RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda"
# what LocalStack's own environment must not leak into a function's (its venv, its config)
_HOST_ENV_KEPT = ("PATH", "HOME", "LANG", "JAVA_HOME", "TMPDIR")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RieRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.log_path = None
        self.tmp = tempfile.gettempdir()
        self.env: dict[str, str] = {}
        self.lock = threading.Lock()

    # ----------------------------------------------------------------- lifecycle
    def start(self, env_vars: dict[str, str]) -> None:
        code = self.function_version.config.code
        if code is None:
            raise LambdaRuntimeException("synap-rie runs zip-packaged functions only")
        task_root = str(code.get_unzipped_code_location())
        env = {k: os.environ[k] for k in _HOST_ENV_KEPT if k in os.environ}
        env.update({k: str(v) for k, v in env_vars.items()})
        env["LAMBDA_TASK_ROOT"] = task_root
        env["LAMBDA_RUNTIME_DIR"] = os.environ["SYNAP_RIC_CLASSPATH"]
        # a /tmp of its own, as every Lambda execution environment has
        self.tmp = tempfile.mkdtemp(prefix=f"lambda-{self.id}-")
        env["TMPDIR"] = self.tmp
        recorder = os.environ.get("SYNAP_AWS_CALLS_JAR")
        if recorder:
            # the SDK loads a global interceptor with the function's own classes: beside its jar in lib/
            os.makedirs(os.path.join(task_root, "lib"), exist_ok=True)
            shutil.copy(recorder, os.path.join(task_root, "lib", "zz-aws-call-recorder.jar"))
            calls = os.environ.get("SYNAP_AWS_CALLS_DIR") or tempfile.gettempdir()
            os.makedirs(calls, exist_ok=True)
            env["SYNAP_AWS_CALLS_FILE"] = os.path.join(calls, f"{self.function_version.id.function_name}.jsonl")
        self.env = env
        log_dir = os.environ.get("SYNAP_LAMBDA_LOG_DIR") or tempfile.gettempdir()
        os.makedirs(log_dir, exist_ok=True)
        self.log_path = os.path.join(log_dir, f"{self.function_version.id.function_name}-{self.id}.log")
        self._spawn()

    def _spawn(self) -> None:
        self.port = _free_port()
        api_port = _free_port()  # RIE's internal runtime API: never the default 9001, several run at once
        memory = int(self.function_version.config.memory_size or 512)
        java = os.environ.get("SYNAP_LAMBDA_JAVA") or shutil.which("java") or "java"
        # as Lambda's java21 bootstrap: serial GC, heap ~85 % of the function's memory
        cmd = [
            os.environ["SYNAP_RIE_BIN"],
            "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
            "--runtime-api-address", f"127.0.0.1:{api_port}",
            java, "-XX:+UseSerialGC", "-Xshare:auto", f"-Xmx{max(64, memory * 85 // 100)}m", f"-Djava.io.tmpdir={self.tmp}",
            "-cp", os.path.join(os.environ["SYNAP_RIC_CLASSPATH"], "*"),
            _RIC_MAIN, self.env.get("_HANDLER", ""),
        ]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(cmd, cwd=self.env["LAMBDA_TASK_ROOT"], env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LambdaRuntimeException(f"aws-lambda-rie exited at start: {self.get_logs()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise LambdaRuntimeException("aws-lambda-rie did not listen within 20 s")

    def stop(self) -> None:
        p = self.process
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # ----------------------------------------------------------------- addresses
    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        from localstack import config

        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    # ----------------------------------------------------------------- invoke
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._spawn()  # the emulator itself died: a new environment, as Lambda would give
            url = f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations"
        timeout = float(self.env.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "900")) + 30
        body = (payload.get("payload") or "").encode()
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Amzn-Trace-Id": payload.get("trace-id", "")})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                out = resp.read()
                ok = resp.status == 200
        except urllib.error.HTTPError as e:
            out, ok = e.read(), False
        except OSError as e:  # the runtime died mid-invocation (or was killed)
            out = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": str(e)}).encode()
            ok = False
        # RIE sets no X-Amz-Function-Error: a function error is an error document in the body
        return InvocationResult(request_id, out, is_error=not ok or _is_error_document(out),
                                logs=self._tail_logs())

    def _tail_logs(self) -> str:
        return self.get_logs()[-4096:]

    def get_logs(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    # ----------------------------------------------------------------- versions
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        missing = [k for k in ("SYNAP_RIE_BIN", "SYNAP_RIC_CLASSPATH") if not os.environ.get(k)]
        if missing:
            LOG.warning("synap-rie executor: %s not set", ", ".join(missing))
            return False
        return True


def _is_error_document(out: bytes) -> bool:
    try:
        doc = json.loads(out)
    except ValueError:
        return False
    return isinstance(doc, dict) and "errorType" in doc and "errorMessage" in doc and len(doc) <= 4


class RieExecutorPlugin(RuntimeExecutorPlugin):
    name = "synap-rie"

    def load(self, *args, **kwargs):
        return RieRuntimeExecutor
