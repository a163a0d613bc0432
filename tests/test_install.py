"""The install (`make install`, run by `make run` and `make test`) takes the CPU build of torch:
from PyTorch's CPU wheel index where it can be reached, from the machine's own wheel otherwise."""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading
from functools import partial

from embeddings.config import PROJECT_ROOT


def _dry_run(torch_index: str) -> str:
    out = subprocess.run(["make", "-n", "-B", "install", f"TORCH_INDEX={torch_index}"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_cpu_wheel_index_is_used_where_it_can_be_reached(tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "index.html").write_text("<a href='torch-2.13.0+cpu.whl'>torch</a>")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        index = f"http://127.0.0.1:{server.server_address[1]}"
        assert f"--extra-index-url {index} -e '.[dev]'" in _dry_run(index)
    finally:
        server.shutdown()


def test_install_goes_on_without_the_index_offline_and_refuses_a_cuda_torch():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    commands = _dry_run(f"http://127.0.0.1:{port}")
    assert "--extra-index-url" not in commands and "-e '.[dev]'" in commands
    assert "torch.version.cuda" in commands  # a CUDA build stops the install with a message
