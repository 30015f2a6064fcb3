"""`make menuconfig` as a user runs it, in a pseudo-terminal: jump to a
symbol, change it, quit, save; the .config it writes has the new value."""

import os
import pty
import re
import select
import shutil
import time

import pytest

# Each step: keys to type, then text the screen must show before the next.
STEPS = [
    (b"", b"(Top)"),                                   # the main menu is up
    (b"/", b"Jump to symbol"),
    (b"LOG_DEBUG", b"LOG_DEBUG(=n)"),                  # the search found it
    (b"\r", b"( ) debug"),                             # inside the log level choice
    (b" ", b"Hypervisor log level (debug"),            # picked; back in the menu
    (b"Q", b"Save configuration?"),
    (b"y", b"Configuration saved to"),
]
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][AB0]|\x1b[=>]")


def screen_until(fd, marker, timeout=20.0):
    """Read the terminal until marker appears (escape sequences removed, so
    that text drawn in pieces still matches); the text read so far."""
    raw = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:          # the child closed the terminal
                break
            if not chunk:
                break
            raw += chunk
            if marker in ESCAPES.sub(b"", raw):
                return raw
    pytest.fail(f"menuconfig never showed {marker!r}; last screen text: "
                f"{ESCAPES.sub(b' ', raw)[-600:]!r}")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_menuconfig_changes_a_setting(root, tmp_path):
    config = tmp_path / "menuconfig.config"
    pid, fd = pty.fork()
    if pid == 0:                                   # the child: make in the terminal
        os.chdir(root)
        os.environ.update(TERM="xterm", LINES="24", COLUMNS="100")
        os.execvp("make", ["make", "-s", "menuconfig", f"KCONFIG_CONFIG={config}"])
    try:
        for keys, marker in STEPS:
            if keys:
                os.write(fd, keys)
            screen_until(fd, marker)
        _, status = os.waitpid(pid, 0)
        pid = 0
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    lines = config.read_text().splitlines()
    assert "CONFIG_LOG_DEBUG=y" in lines and "CONFIG_LOG_LEVEL=4" in lines
    assert "# CONFIG_LOG_INFO is not set" in lines
