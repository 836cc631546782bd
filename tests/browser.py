"""A small driver for headless Chromium over the DevTools protocol on a pipe (no websockets, no
Node): `--remote-debugging-pipe` reads NUL-terminated JSON commands on fd 3 and writes replies
and events on fd 4.

    with Browser(path) as browser:
        page = browser.open("file:///tmp/report/index.html")
        page.wait_for("document.documentElement.dataset.ready === '1'")
        page.evaluate("document.title")

Every page records the URLs it requested (Network.requestWillBeSent), console messages, script
exceptions and log entries (a Content-Security-Policy violation is one), so a test can assert
that a page loaded nothing and threw nothing. The browser runs with a fresh profile, no
background networking, and a host resolver that resolves nothing.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-pipe")


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, chromium: str, timeout: float = 60, window: str = "1280,1024"):
        self.chromium = chromium
        self.timeout = timeout
        self.window = window
        self.profile = None
        self.proc = None
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def __enter__(self) -> Browser:
        self.profile = tempfile.mkdtemp(prefix="cinv-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():  # in the child: fd 3 is what it reads, fd 4 what it writes
            read, write = os.dup(to_chrome_r), os.dup(from_chrome_w)  # above 4, safe to move
            os.dup2(read, 3)
            os.dup2(write, 4)

        # (subprocess closes every fd not in pass_fds after preexec_fn runs)
        self.proc = subprocess.Popen(
            [self.chromium, *FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={self.window}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._poll = select.poll()  # not select(): a test run may hold fds above 1023
        self._poll.register(self._from_chrome, select.POLLIN)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.proc.poll() is None:
                self.send("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    # --- the protocol -------------------------------------------------------------------------

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self._poll.poll(left * 1000):
                raise BrowserError("chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium exited ({self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_chrome, data):]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def pump(self, seconds: float = 0.05) -> None:
        """Read the events that arrived, waiting at most `seconds` for the first."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
                deadline = time.monotonic()  # then only what is already there
        except BrowserError:
            pass

    def open(self, url: str) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Network", "Runtime", "Log", "Page"):
            self.send(f"{domain}.enable", session=session)
        page.navigate(url)
        return page


class Page:
    def __init__(self, browser: Browser, session: str):
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict | None = None, **kw) -> dict:
        return self.browser.send(method, params, self.session, **kw)

    def _events(self, method: str) -> list[dict]:
        self.browser.pump(0)
        return [e["params"] for e in self.browser.events
                if e.get("sessionId") == self.session and e.get("method") == method]

    def navigate(self, url: str) -> None:
        seen = len(self._events("Page.loadEventFired"))
        started = time.monotonic()
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"navigate {url}: {result['errorText']}")
        deadline = started + self.browser.timeout
        while len(self._events("Page.loadEventFired")) <= seen:
            if time.monotonic() > deadline:
                raise BrowserError(f"navigate {url}: no load event")
            self.browser.pump(0.1)
        self.load_seconds = time.monotonic() - started

    @property
    def requests(self) -> list[str]:
        return [e["request"]["url"] for e in self._events("Network.requestWillBeSent")]

    @property
    def errors(self) -> list[str]:
        """Script exceptions, console errors and log errors (CSP violations among them)."""
        out = [e["exceptionDetails"].get("exception", {}).get("description")
               or e["exceptionDetails"].get("text", "") for e in
               self._events("Runtime.exceptionThrown")]
        out += [" ".join(str(a.get("value", a.get("description", ""))) for a in e["args"])
                for e in self._events("Runtime.consoleAPICalled") if e["type"] == "error"]
        out += [e["entry"]["text"] for e in self._events("Log.entryAdded")
                if e["entry"]["level"] == "error"]
        return out

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            detail = result["exceptionDetails"]
            raise BrowserError(f"{expression}: "
                               f"{detail.get('exception', {}).get('description') or detail}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> object:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except BrowserError:
                value = None  # the page may be between documents
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    # --- a user's hands -----------------------------------------------------------------------

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
                                                   "button": "left", "clickCount": 1})

    def type(self, selector: str, text: str) -> None:
        """Focus the element and type text into it, as a keyboard would."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def screenshot(self, path) -> None:
        import base64
        data = self.send("Page.captureScreenshot", {"format": "png",
                                                     "captureBeyondViewport": True})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
