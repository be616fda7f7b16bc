#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe), with
no package beyond the standard library: opens a page, screenshots it, and optionally chooses a
kind, types a note and submits the form with real mouse clicks and key input.

Prints one JSON object: the page's text before and after, and the HTTP status of each load.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="pd-chromium-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()

        def child_fds():
            # Chromium reads commands on fd 3 and answers on fd 4. Move both ends out of the way
            # first: a pipe end that already is 3 or 4 would stay close-on-exec after dup2.
            read_end, write_end = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [
                binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank",
            ],
            preexec_fn=child_fds,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("BROWSER_DEBUG") else subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.writer = os.fdopen(to_child_w, "wb", buffering=0)
        self.reader = os.fdopen(from_child_r, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                raise TimeoutError("chromium did not answer in time")
            chunk = self.reader.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.writer.write(json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            answer = self.read_message(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            self.events.append(self.read_message(deadline))

    def open_tab(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Network.enable")

    def size(self, width, height, mobile):
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile},
        )

    def load(self, action):
        """Runs `action` (a navigation or a click) and waits for the page it loads; its status."""
        self.events = [e for e in self.events if e.get("method") not in ("Page.loadEventFired", "Network.responseReceived")]
        action()
        self.wait_event("Page.loadEventFired")
        status = None
        for event in self.events:
            if event.get("method") == "Network.responseReceived" and event["params"].get("type") == "Document":
                status = event["params"]["response"]["status"]
        return status

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def text(self):
        return self.evaluate("document.body.innerText")

    def click(self, selector):
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null; "
            "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
            "return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        if box is None:
            raise RuntimeError(f"nothing on the page matches {selector}")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1})

    def type(self, text):
        self.send("Input.insertText", {"text": text})

    def screenshot(self, path):
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=844)
    parser.add_argument("--desktop", action="store_true", help="a desktop window instead of a phone")
    parser.add_argument("--shot", help="screenshot of the loaded page (PNG)")
    parser.add_argument("--kind", help="choose this kind and submit the form")
    parser.add_argument("--note", default="")
    parser.add_argument("--after-shot", help="screenshot of the page the form leads to")
    args = parser.parse_args()

    browser = Browser(args.chromium)
    out = {}
    try:
        browser.send("Target.setDiscoverTargets", {"discover": False}, session=False)
        browser.open_tab()
        browser.size(args.width, args.height, not args.desktop)
        out["status"] = browser.load(lambda: browser.send("Page.navigate", {"url": args.url}))
        out["text"] = browser.text()
        if args.shot:
            browser.screenshot(args.shot)
        if args.kind:
            browser.click(f'input[name="kind"][value="{args.kind}"]')
            out["checked"] = browser.evaluate('document.querySelector("input[name=kind]:checked")?.value')
            if args.note:
                browser.click("textarea")
                browser.type(args.note)
            out["after_status"] = browser.load(lambda: browser.click('button[type="submit"]'))
            out["after_text"] = browser.text()
            if args.after_shot:
                browser.screenshot(args.after_shot)
    finally:
        browser.close()
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
