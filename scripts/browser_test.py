"""The web client's story in a real headless Chromium, driven by Playwright (scripts/browser-test
starts the server and calls this). Elements are found the way people find them: by role,
label and name, so the page's accessibility is what the test relies on.

The story (issue 13): an OPS user signs up with an invite and uploads a PDF through the file
picker (and a larger one, which goes by direct upload), shares the first with a client for
one download and logs out. The client logs in, sees it under "Shared with me" and downloads
it (the bytes are identical); after that one download it is gone, and a Download pressed on
a stale page shows the API's message. The OPS user finds the link issued on "Activity".
Also: a wrong password shows the error, a lockout shows when to try again, the pages work at
360 x 740 without horizontal scrolling, the first page is at most 50 KB, the CSP header is
on /, the browser reports no CSP violation or script error, and "Log out everywhere" ends
the account's other sessions.
"""

from __future__ import annotations

import argparse
import hashlib
import pathlib
import re
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import Page, expect, sync_playwright

OPS, OPS_PASSWORD = "alice", "wonderland-42"
CLIENT, CLIENT_PASSWORD = "bob", "builder-4242"
PDF_NAME = "q4 report.pdf"


def pdf(size: int) -> bytes:
    """A small PDF with bytes that are not UTF-8 (any corruption on the way shows)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    tail = b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    filler = bytes(range(256)) * (max(0, size - len(head) - len(tail)) // 256 + 1)
    return head + filler[: max(0, size - len(head) - len(tail))] + tail


class Story:
    def __init__(self, base: str, invite: str, shots: pathlib.Path, work: pathlib.Path):
        self.base = base.rstrip("/")
        self.invite = invite
        self.shots = shots
        self.work = work
        self.problems: list[str] = []
        self.steps: list[tuple[str, float]] = []
        self.started = time.monotonic()

    def step(self, text: str) -> None:
        self.steps.append((text, time.monotonic() - self.started))
        print(f"browser-test: {time.monotonic() - self.started:6.2f}s {text}", flush=True)

    def watch(self, page: Page, who: str) -> Page:
        """Every console error (CSP violations are reported there) and uncaught exception
        fails the test."""
        def console(message) -> None:
            # The API's refusals the story provokes (401, 404, 429) are logged as failed loads.
            if message.type == "error" and not message.text.startswith("Failed to load resource: the server responded"):
                self.problems.append(f"{who}: console error: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda e: self.problems.append(f"{who}: uncaught: {e}"))
        return page

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def open(self, context, who: str) -> Page:
        page = self.watch(context.new_page(), who)
        page.goto(self.base + "/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
        return page

    @staticmethod
    def log_in(page: Page, user_type: str, username: str, password: str, keyboard: bool = False) -> None:
        page.get_by_role("radiogroup", name="Account type").get_by_role("radio", name=user_type, exact=True).check()
        if keyboard:
            # Keyboard only: type into the fields, Tab between them, Enter submits.
            page.get_by_label("Username").focus()
            page.keyboard.type(username)
            page.keyboard.press("Tab")
            page.keyboard.type(password)
            page.keyboard.press("Enter")
        else:
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in", exact=True).click()

    @staticmethod
    def no_horizontal_scroll(page: Page, what: str) -> None:
        wide = page.evaluate("document.documentElement.scrollWidth")
        view = page.evaluate("document.documentElement.clientWidth")
        assert wide <= view, f"{what}: {wide} px wide in a {view} px viewport (horizontal scrolling)"

    def run(self, browser) -> None:
        small = self.work / PDF_NAME
        small.write_bytes(pdf(20_000))
        # scripts/browser-test starts the server with MAX_UPLOAD_BYTES=65536,
        # MULTIPART_THRESHOLD_BYTES=200000 and MULTIPART_PART_SIZE_BYTES=65536.
        medium = self.work / "medium.pdf"
        medium.write_bytes(pdf(100_000))  # one presigned PUT
        large = self.work / "large scan.pdf"
        large.write_bytes(pdf(300_000))  # five parts, in parallel

        # --- the headers, as any client sees them ---------------------------------------
        with urllib.request.urlopen(self.base + "/") as response:
            csp = response.headers["Content-Security-Policy"] or ""
            for directive in ("default-src 'self'", "frame-ancestors 'none'", "script-src 'self'", "style-src 'self'"):
                assert directive in csp, f"CSP on / lacks {directive}: {csp!r}"
            assert "unsafe-inline" not in csp, csp
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        self.step(f"GET / carries the CSP: {csp}")

        ops_ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        client_ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        stale_ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        phone_ctx = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)

        # --- the first page's weight -------------------------------------------------------
        client = self.watch(client_ctx.new_page(), "client")
        responses = []

        def collect(response) -> None:
            responses.append(response)

        client.on("response", collect)
        client.goto(self.base + "/", wait_until="networkidle")
        expect(client.get_by_role("heading", level=1)).to_have_text("Log in")
        client.remove_listener("response", collect)
        sizes = [(r.url, len(r.body())) for r in responses]
        total = sum(n for _, n in sizes)
        assert total <= 50 * 1024, f"the first page transferred {total} bytes: {sizes}"
        self.step(f"first page: {len(sizes)} responses, {total} bytes (at most 51200)")
        self.shot(client, "01-log-in")

        # --- a client account, and a wrong password ----------------------------------------
        self.log_in(client, "Client", CLIENT, "not-the-password")
        alert = client.get_by_role("alert")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text(re.compile("invalid|incorrect|wrong", re.I))
        expect(client.get_by_role("heading", level=1)).to_have_text("Log in")
        self.step(f"a wrong password (no such user yet) shows: {alert.inner_text()!r}")
        self.shot(client, "02-wrong-password")
        client.get_by_label("Username").fill(CLIENT)
        client.get_by_label("Password").fill(CLIENT_PASSWORD)
        expect(client.get_by_label("Invite code")).to_be_hidden()  # client signup is open
        client.get_by_role("button", name="Sign up", exact=True).click()
        expect(client.get_by_role("heading", level=1)).to_have_text("Shared with me")
        expect(client.get_by_text("Nothing is shared with you yet.")).to_be_visible()
        client.get_by_role("button", name="Log out", exact=True).click()
        expect(client.get_by_role("heading", level=1)).to_have_text("Log in")
        self.step("the client signed up (open signup), saw nothing shared, logged out")

        # --- OPS: sign up with the invite, upload through the file picker ------------------
        ops = self.open(ops_ctx, "ops")
        ops.get_by_role("radio", name="OPS", exact=True).check()
        expect(ops.get_by_label("Invite code")).to_be_visible()  # OPS signup is by invite
        ops.get_by_label("Username").fill(OPS)
        ops.get_by_label("Password").fill(OPS_PASSWORD)
        ops.get_by_label("Invite code").fill(self.invite)
        ops.get_by_role("button", name="Sign up", exact=True).click()
        expect(ops.get_by_role("heading", level=1)).to_have_text("My files")
        self.step("the OPS user signed up with the invite and is on My files")

        requests: list[str] = []

        def track(request) -> None:
            requests.append(f"{request.method} {request.url}")

        ops.on("request", track)
        ops.get_by_label("File").set_input_files([str(small), str(medium), str(large)])
        ops.get_by_role("button", name="Upload", exact=True).click()
        row = ops.get_by_role("row").filter(has=ops.get_by_role("rowheader", name=PDF_NAME, exact=True))
        expect(row).to_be_visible()
        expect(row).to_contain_text("20 KB")
        big = ops.get_by_role("row").filter(has=ops.get_by_role("rowheader", name=large.name, exact=True))
        expect(big).to_contain_text("300 KB")
        expect(ops.get_by_role("rowheader", name=medium.name, exact=True)).to_be_visible()
        ops.remove_listener("request", track)
        calls = [r.split("?")[0].replace(self.base, "") for r in requests]
        assert "POST /ops/upload" in calls, calls
        # Each part's URL is signed with its digest: one call per part.
        assert sum(c.startswith("POST /ops/uploads/") and c.endswith("/parts") for c in calls) == 5, calls
        assert sum(c.startswith("PUT ") for c in calls) == 1 + 5, calls  # one single PUT, five parts
        assert sum(c.endswith("/complete") for c in calls) == 2, calls
        self.step("uploaded three PDFs through the picker: through the API, by one direct PUT, in five parts")

        # Drag and drop: a drop event carrying a file, as a browser makes one.
        dropped = ops.evaluate_handle(
            """(bytes) => {
                const data = new DataTransfer();
                data.items.add(new File([new Uint8Array(bytes)], "dropped.pdf", { type: "application/pdf" }));
                return data;
            }""",
            list(pdf(2_000)),
        )
        ops.locator("form.dropzone").dispatch_event("drop", {"dataTransfer": dropped})
        gone = ops.get_by_role("row").filter(has=ops.get_by_role("rowheader", name="dropped.pdf", exact=True))
        expect(gone).to_be_visible()
        gone.get_by_role("button", name="Delete", exact=True).click()
        confirm = ops.get_by_role("dialog")
        expect(confirm).to_contain_text("Delete dropped.pdf?")
        confirm.get_by_role("button", name="Delete", exact=True).click()
        expect(gone).to_have_count(0)
        self.step("a dropped file is uploaded too, and deleted after a confirmation")

        big.get_by_role("button", name="Show to all clients", exact=True).click()
        expect(big).to_contain_text("All clients")
        self.step("the larger file is now visible to every client")

        # --- share for one download ---------------------------------------------------------
        row.get_by_role("button", name="Share", exact=True).click()
        dialog = ops.get_by_role("dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_label("Client username").fill(CLIENT)
        expect(dialog.get_by_label("Expires")).to_be_visible()
        dialog.get_by_label("Max downloads").fill("1")
        self.shot(ops, "03-share-dialog")
        dialog.get_by_role("button", name="Share", exact=True).click()
        expect(dialog).to_be_hidden()
        expect(row).to_contain_text(CLIENT)
        expect(row).to_contain_text("0 of 1 downloads")
        self.step("shared it with the client for at most one download")
        self.shot(ops, "04-my-files")
        ops.get_by_role("button", name="Log out", exact=True).click()
        expect(ops.get_by_role("heading", level=1)).to_have_text("Log in")

        # --- the client: Shared with me, download, gone --------------------------------------
        self.log_in(client, "Client", CLIENT, CLIENT_PASSWORD, keyboard=True)
        expect(client.get_by_role("heading", level=1)).to_have_text("Shared with me")
        shared = client.get_by_role("row").filter(has=client.get_by_role("rowheader", name=PDF_NAME, exact=True))
        expect(shared).to_contain_text(OPS)
        expect(shared).to_contain_text("1")  # downloads left
        everyone = client.get_by_role("row").filter(has=client.get_by_role("rowheader", name=large.name, exact=True))
        expect(everyone).to_contain_text("no limit")  # all clients: no share, no limit
        self.shot(client, "05-shared-with-me")
        self.step("the client logged in (keyboard only) and sees the file, one download left")
        client.get_by_label("OPS username").fill(OPS)
        client.get_by_role("button", name="Show files", exact=True).click()
        expect(client.get_by_role("heading", level=1)).to_have_text(f"Files from {OPS}")
        expect(client.get_by_role("rowheader", name=PDF_NAME, exact=True)).to_be_visible()
        client.get_by_role("link", name="← Shared with me").click()
        expect(client.get_by_role("heading", level=1)).to_have_text("Shared with me")
        shared = client.get_by_role("row").filter(has=client.get_by_role("rowheader", name=PDF_NAME, exact=True))
        self.step(f"the per-OPS-user view lists {OPS}'s file too")

        stale = self.open(stale_ctx, "stale")
        self.log_in(stale, "Client", CLIENT, CLIENT_PASSWORD)
        stale_row = stale.get_by_role("row").filter(has=stale.get_by_role("rowheader", name=PDF_NAME, exact=True))
        expect(stale_row).to_be_visible()

        with client.expect_download() as download_info:
            shared.get_by_role("button", name="Download", exact=True).click()
        download = download_info.value
        saved = self.work / "downloaded.pdf"
        download.save_as(saved)
        assert download.suggested_filename == PDF_NAME, download.suggested_filename
        assert saved.read_bytes() == small.read_bytes(), "the downloaded bytes differ from the upload"
        digest = hashlib.sha256(saved.read_bytes()).hexdigest()
        self.step(f"downloaded {download.suggested_filename!r}: identical bytes (sha256 {digest[:16]}…)")
        expect(client.get_by_role("rowheader", name=PDF_NAME, exact=True)).to_have_count(0)
        expect(everyone).to_be_visible()
        self.step("after its one download the file is gone from Shared with me")

        stale_row.get_by_role("button", name="Download", exact=True).click()
        message = stale.get_by_role("alert")
        expect(message).to_contain_text(f"{OPS} has no file named {PDF_NAME}")
        self.step(f"Download on a stale page shows the API's message: {message.inner_text()!r}")
        self.shot(stale, "06-stale-download")

        with client.expect_download() as download_info, client.expect_response(
            lambda r: r.url.endswith("/client/files/alice/large%20scan.pdf")
        ) as link_info:
            everyone.get_by_role("button", name="Download", exact=True).click()
        download_info.value.save_as(saved)
        assert saved.read_bytes() == large.read_bytes(), "the multipart upload's bytes differ"
        # The page computed the digest it announced (storage checked the bytes against it).
        announced = link_info.value.json().get("sha256")
        assert announced == hashlib.sha256(large.read_bytes()).hexdigest(), announced
        self.step(f"the file uploaded in five parts downloads byte-identical too (sha256 {announced[:16]}… as the page announced it)")

        # --- OPS: Activity -------------------------------------------------------------------
        self.log_in(ops, "OPS", OPS, OPS_PASSWORD)
        expect(ops.get_by_role("heading", level=1)).to_have_text("My files")
        expect(row).to_contain_text("1 of 1 downloads")
        row.get_by_role("button", name="Revoke", exact=True).click()
        expect(row).to_contain_text("not shared")
        self.step("the OPS user sees the share used up, and revokes it")
        ops.get_by_role("link", name="Activity", exact=True).click()
        expect(ops.get_by_role("heading", level=1)).to_have_text("Activity")
        issued = ops.get_by_role("row").filter(has_text="Download link issued").filter(has_text=PDF_NAME)
        expect(issued).to_have_count(1)
        expect(issued).to_contain_text(CLIENT)
        expect(issued).to_contain_text("127.0.0.1")
        expect(ops.get_by_text("A link issued is not proof that the bytes arrived.")).to_be_visible()
        self.shot(ops, "07-activity")
        self.step("the OPS user sees the link issued to the client on Activity")

        # --- 360 x 740 -----------------------------------------------------------------------
        phone = self.open(phone_ctx, "phone")
        self.no_horizontal_scroll(phone, "Log in at 360 px")
        self.shot(phone, "08-phone-log-in")
        self.log_in(phone, "OPS", OPS, OPS_PASSWORD)
        expect(phone.get_by_role("heading", level=1)).to_have_text("My files")
        expect(phone.get_by_role("rowheader", name=PDF_NAME, exact=True)).to_be_visible()
        self.no_horizontal_scroll(phone, "My files at 360 px")
        self.shot(phone, "09-phone-my-files")
        phone.get_by_role("link", name="Activity", exact=True).click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Activity")
        self.no_horizontal_scroll(phone, "Activity at 360 px")
        self.shot(phone, "10-phone-activity")
        self.step("Log in, My files and Activity fit 360 x 740 without horizontal scrolling")

        # --- Log out everywhere ends the phone's session too ----------------------------------
        ops.get_by_role("button", name="Log out everywhere", exact=True).click()
        expect(ops.get_by_role("heading", level=1)).to_have_text("Log in")
        phone.get_by_role("link", name="My files", exact=True).click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Log in")
        expect(phone.get_by_role("status")).to_have_text("Your session has ended. Log in again.")
        self.step("Log out everywhere: the phone's session is refused on its next call")

        # --- a lockout says when to try again ---------------------------------------------------
        stale.get_by_role("button", name="Log out", exact=True).click()
        expect(stale.get_by_role("heading", level=1)).to_have_text("Log in")
        text = ""
        for attempt in range(12):
            self.log_in(stale, "OPS", "mallory", f"guess-{attempt}")
            alert = stale.get_by_role("alert")
            expect(alert).to_be_visible()
            expect(stale.get_by_role("button", name="Log in", exact=True)).to_be_enabled()
            text = alert.inner_text()
            if "You can try again at" in text:
                break
        assert "You can try again at" in text, f"no lockout after 12 wrong passwords: {text!r}"
        self.step(f"a 429 shows when to try again: {text!r}")
        self.shot(stale, "11-too-many-attempts")

        assert not self.problems, "\n".join(self.problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:3000")
    parser.add_argument("--ops-invite", required=True, help="an OPS invite code (ezshare invite)")
    parser.add_argument("--browser", required=True, help="the Chromium or Chrome to drive")
    parser.add_argument("--screenshots", required=True, help="where to save a screenshot of each page")
    parser.add_argument("--headed", action="store_true", help="show the browser")
    args = parser.parse_args()

    shots = pathlib.Path(args.screenshots)
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        story = Story(args.url, args.ops_invite, shots, pathlib.Path(work))
        try:
            browser = playwright.chromium.launch(executable_path=args.browser, headless=not args.headed)
        except Exception as error:  # noqa: BLE001 - a browser that dies starting is retried once
            # Chromium has been seen to crash while starting (SIGSEGV before the first page)
            # on a busy machine: that is the environment, not the page; a second failure is not.
            print(f"browser-test: the browser did not start ({str(error).splitlines()[0]}); once more", flush=True)
            browser = playwright.chromium.launch(executable_path=args.browser, headless=not args.headed)
        print(f"browser-test: {browser.browser_type.name} {browser.version} at {args.browser}", flush=True)
        try:
            story.run(browser)
        finally:
            browser.close()
        elapsed = time.monotonic() - story.started
    print(f"browser-test: the story passed in {elapsed:.1f}s; screenshots in {shots}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
