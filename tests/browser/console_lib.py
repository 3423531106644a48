"""console_lib.py — what the console's browser tests share: counted checks, the API read with a
token, headless Chromium started with the browser's console log kept, signing in and out, waits
that count as checks, and the page's Content-Security-Policy violations.

A test imports it (it sits beside them) and hands its run(browser, args) to launch(). Without
Selenium, Chromium or chromedriver it exits or returns 77 (skipped).
"""
import json
import os
import shutil
import sys
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By  # noqa: F401 (for the tests too)
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: F401 (for the tests)
except ImportError:
    print("skipped: python3-selenium is not installed")
    sys.exit(77)

PASSWORD = "a long duty password"  # every test user's, set with `tocsin user password`
failures = 0


def check(name, ok):
    """One check: printed ok or FAIL, counted; returns ok."""
    global failures
    print(("ok   " if ok else "FAIL ") + name)
    if not ok:
        failures += 1
    return ok


def api(url, path, token):
    """GET url+path with a bearer token: the JSON answer."""
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


class Page:
    """The console at url in browser: waits, scripts, signing in and out, the navigation."""

    def __init__(self, browser, url):
        self.b = browser
        self.url = url
        browser.set_page_load_timeout(20)
        self.wait = WebDriverWait(browser, 20)

    def by_id(self, i):
        return self.b.find_element(By.ID, i)

    def js(self, script, *args):
        return self.b.execute_script(script, *args)

    def waited(self, name, cond, w=None):
        """A check that cond comes true within the wait (20 s unless w)."""
        try:
            (w or self.wait).until(cond)
            return check(name, True)
        except TimeoutException:
            return check(name + " (timed out)", False)

    def click(self, locator):
        """Click what locator finds, found and clicked in one go in the page: a table the page
        redraws as data come would leave an element found first stale by the time of the click."""
        css = locator[1] if locator[0] == By.CSS_SELECTOR else "#" + locator[1]
        return self.wait.until(lambda b: b.execute_script(
            "const e = document.querySelector(arguments[0]); if (e) e.click(); return !!e", css))

    def sign_in(self, name):
        self.b.get(self.url + "/")
        self.wait.until(ec.visibility_of_element_located((By.ID, "login")))
        form = self.by_id("login")
        form.find_element(By.NAME, "name").send_keys(name)
        form.find_element(By.NAME, "password").send_keys(PASSWORD)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(ec.visibility_of_element_located((By.ID, "app-view")))

    def sign_out(self):
        self.by_id("logout").click()
        self.wait.until(ec.visibility_of_element_located((By.ID, "login")))

    def nav(self, view):
        self.b.find_element(By.CSS_SELECTOR, 'nav [data-view="%s"]' % view).click()

    def csp_violations(self):
        """The Content-Security-Policy violations in the browser's log so far."""
        return [e["message"] for e in self.b.get_log("browser") if "Content Security Policy" in e["message"]]


def chromium():
    """(chromium, chromedriver), or None when either is missing (skipped is printed)."""
    found = (shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver"))
    if not all(found):
        print("skipped: chromium and chromium-driver are not installed")
        return None
    return found


def start_browser(found, flags=(), size="1360,1000"):
    """Headless Chromium (found by chromium()) at a window size, the browser's log kept."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = found[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=" + size,
                "--disable-dev-shm-usage", *flags):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=found[1]), options=opts)


def launch(run, a, flags=()):
    """run(browser, a) in headless Chromium; a.out made first. The exit code: 0 all checks
    passed, 1 one failed (or the page could not be driven), 77 skipped."""
    found = chromium()
    if not found:
        return 77
    os.makedirs(a.out, exist_ok=True)
    browser = start_browser(found, flags)
    try:
        run(browser, a)
    except Exception as e:  # a page that is not there (an older console) fails, named
        check("the page could be driven (%s: %s)" % (type(e).__name__, str(e).split("\n")[0]), False)
    finally:
        browser.quit()
    print("all checks passed" if not failures else "%d check(s) failed" % failures)
    return 1 if failures else 0
