#!/usr/bin/python3
"""console_approval.py — the duty console in headless Chromium (Selenium) against a real tocsind.

A drafter's typhoon warning is held for approval; the approver signs in to the console, finds it
in the queue with its author and text, cannot reject it without a reason, approves it, and the
alert leaves the queue and is released (checked over the API). A viewer signs in and sees the
alert but no queue and no button that changes anything. The language switch works, and the
browser reports no Content-Security-Policy violation. Screenshots of each screen go to --out.

Usage: console_approval.py --tocsind BIN --tocsin BIN --examples DIR --out DIR
Exit 0 all checks passed, 1 a check failed, 77 no Chromium or Selenium here (skipped).
"""
import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import console_lib
from console_lib import By, WebDriverWait, api, check, ec


def run(*args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=True).stdout


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tocsind", required=True)
    p.add_argument("--tocsin", required=True)
    p.add_argument("--examples", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    found = console_lib.chromium()
    if not found:
        return 77
    os.makedirs(a.out, exist_ok=True)
    tmp = tempfile.mkdtemp()
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    server = None
    browser = None
    try:
        sender = "12011641600000"
        tokens = {}
        for name, role in (("forecaster", "drafter"), ("chief", "approver"), ("watcher", "viewer"),
                           ("auditor", "admin")):
            scope = ["--region", "120116", "--department", sender] if role != "admin" else []
            out = run(a.tocsin, "user", "add", name, "--role", role, *scope, "--data-dir", data)
            tokens[name] = out.strip().splitlines()[-1]
        for name in ("forecaster", "chief", "watcher", "auditor"):
            run(a.tocsin, "user", "password", name, "--data-dir", data, stdin="a long duty password\n")
        conf = os.path.join(tmp, "tocsind.conf")
        with open(conf, "w") as f:
            f.write("[tocsind]\nbroker = none\nprofile = cn\n")
        log = open(os.path.join(tmp, "tocsind.log"), "w")
        server = subprocess.Popen([a.tocsind, "--config", conf, "--data-dir", data, "--http", "127.0.0.1:0"],
                                  stderr=log)
        addr = os.path.join(data, "http.addr")
        for _ in range(100):
            if os.path.exists(addr) and os.path.getsize(addr):
                break
            time.sleep(0.1)
        url = "http://" + open(addr).read().strip()
        # the drafter's warning, moved to today (Beijing time)
        today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
        xml = open(os.path.join(a.examples, "cn-typhoon-orange.xml"), encoding="utf-8").read()
        xml = re.sub(r"2026-0[678]-\d\dT", today.isoformat() + "T", xml)
        xml = re.sub(r"_2026\d{4}", "_" + today.strftime("%Y%m%d"), xml)
        xml = re.sub(r"<expires>[^T<]*T", "<expires>" + (today + datetime.timedelta(days=1)).isoformat() + "T", xml)
        alert = os.path.join(tmp, "typhoon.xml")
        with open(alert, "w", encoding="utf-8") as f:
            f.write(xml)
        env = dict(os.environ, TOCSIN_TOKEN=tokens["forecaster"])
        alert_id = subprocess.run([a.tocsin, "submit", alert, "--server", url], env=env, capture_output=True,
                                  text=True).stdout.strip()
        check("the drafter's alert is held (%s)" % alert_id,
              api(url, "/api/v1/alerts/" + alert_id, tokens["chief"]).get("state") == "pending-approval")

        browser = console_lib.start_browser(found, size="1280,900")
        browser.set_page_load_timeout(20)
        wait = WebDriverWait(browser, 15)

        def sign_in(name):
            browser.get(url + "/")
            wait.until(ec.visibility_of_element_located((By.ID, "login")))
            form = browser.find_element(By.ID, "login")
            form.find_element(By.NAME, "name").send_keys(name)
            form.find_element(By.NAME, "password").send_keys("a long duty password")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait.until(ec.visibility_of_element_located((By.ID, "app-view")))

        browser.get(url + "/")
        wait.until(ec.visibility_of_element_located((By.ID, "login")))
        check("/ opens the console's sign-in", browser.current_url.endswith("/console/"))
        browser.save_screenshot(os.path.join(a.out, "1-sign-in.png"))

        # the forecaster composes a typhoon orange warning, checked as it is typed
        sign_in("forecaster")
        browser.find_element(By.CSS_SELECTOR, 'nav [data-view="compose"]').click()
        wait.until(ec.visibility_of_element_located((By.ID, "draft")))
        areas = browser.find_element(By.ID, "c-areas")
        areas.send_keys("990116")  # no such province
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#check-errors li"))
        errs = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#check-errors li")]
        check("a wrong region code is named as it is typed (%s)" % (errs[:1],), any("990116" in e for e in errs))
        browser.save_screenshot(os.path.join(a.out, "0-compose-error.png"))
        areas.clear()
        areas.send_keys("120116")
        wait.until(lambda b: not b.find_elements(By.CSS_SELECTOR, "#check-errors li"))
        check("…and the error goes once it is right", "校验通过" in browser.find_element(By.ID, "check-summary").text)
        check("…said to need a second person", "需第二人签发" in browser.find_element(By.ID, "check-summary").text)
        # a headline with markup in it, as a careless paste or a hostile drafter might give
        # the template's description marks where the forecaster adds specifics: it is not sent so
        browser.find_element(By.CSS_SELECTOR, "#draft button[type=submit]").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "submitted"), "……"))
        check("a template's unfilled places keep it from being submitted", True)
        for field in ("c-headline", "c-description", "c-description-en"):
            browser.find_element(By.ID, field).clear()
        browser.find_element(By.ID, "c-description").send_keys("预计未来12小时内，台风将影响滨海新区。")
        browser.find_element(By.ID, "c-headline").send_keys("天津市滨海新区气象台发布台风橙色预警<img src=x onerror=alert(1)>")
        browser.find_element(By.CSS_SELECTOR, "#draft button[type=submit]").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "submitted"), "pending-approval"))
        composed = browser.find_element(By.ID, "submitted").get_attribute("data-id")
        check("submitted from the console: held (%s)" % composed,
              api(url, "/api/v1/alerts/" + composed, tokens["chief"]).get("state") == "pending-approval")
        browser.save_screenshot(os.path.join(a.out, "0-compose.png"))
        browser.find_element(By.ID, "logout").click()
        wait.until(ec.visibility_of_element_located((By.ID, "login")))

        sign_in("chief")
        item = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'li.pending[data-id="%s"]' % alert_id)))
        check("the approver sees the held alert in the queue", True)
        check("…with its author", item.find_element(By.CLASS_NAME, "author").text == "forecaster")
        check("…and its text", "台风" in item.find_element(By.CLASS_NAME, "text").text)
        check("…without the urgent path, which is for one's own alert",
              not item.find_element(By.CLASS_NAME, "urgent-box").is_displayed())
        browser.save_screenshot(os.path.join(a.out, "2-queue.png"))
        item.find_element(By.CLASS_NAME, "reject").click()
        check("no rejection without a reason", item.find_element(By.CLASS_NAME, "error").text != "")
        item.find_element(By.CLASS_NAME, "reason").send_keys("核对无误")
        item.find_element(By.CLASS_NAME, "approve").click()
        wait.until(ec.staleness_of(item))
        check("approved: it leaves the queue", True)
        other = browser.find_element(By.CSS_SELECTOR, 'li.pending[data-id="%s"]' % composed)
        check("markup in a drafter's text is shown as text, never run",
              "<img src=x" in other.text and not other.find_elements(By.TAG_NAME, "img"))
        state = api(url, "/api/v1/alerts/" + alert_id, tokens["chief"]).get("state")
        check("…and the alert is released (%s)" % state, state not in ("pending-approval", "rejected"))
        browser.find_element(By.CSS_SELECTOR, 'nav [data-view="alerts"]').click()
        row = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'tr[data-id="%s"]' % alert_id)))
        browser.save_screenshot(os.path.join(a.out, "3-alerts.png"))
        row.click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "alert-id"), alert_id))
        check("an alert's detail: its state and coverage",
              browser.find_element(By.ID, "alert-state").text not in ("", "pending-approval")
              and browser.find_element(By.ID, "alert-coverage").text.endswith("%"))
        browser.save_screenshot(os.path.join(a.out, "3b-alert.png"))
        browser.find_element(By.ID, "lang").click()
        check("the English switch", browser.find_element(By.CSS_SELECTOR, "header h1").text == "tocsin duty console")
        browser.find_element(By.ID, "lang").click()
        browser.find_element(By.ID, "logout").click()
        wait.until(ec.visibility_of_element_located((By.ID, "login")))

        sign_in("watcher")
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'tr[data-id="%s"]' % alert_id)))
        check("a viewer sees the alert", True)
        check("…no approval queue",
              not browser.find_element(By.CSS_SELECTOR, 'nav [data-view="approvals"]').is_displayed())
        check("…and no button that changes anything",
              not [b for b in browser.find_elements(By.CSS_SELECTOR, "button.approve, button.reject")
                   if b.is_displayed()])
        browser.save_screenshot(os.path.join(a.out, "4-viewer.png"))
        check("…no audit trail", not browser.find_element(By.CSS_SELECTOR, 'nav [data-view="audit"]').is_displayed())
        browser.find_element(By.ID, "logout").click()
        wait.until(ec.visibility_of_element_located((By.ID, "login")))

        sign_in("auditor")
        browser.find_element(By.CSS_SELECTOR, 'nav [data-view="audit"]').click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "chain"), "审计链完整"))
        check("an administrator sees the audit chain hold", True)
        actions = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#audit-rows tr")]
        check("…and the approval in the trail, by whom",
              any("approve" in r and "chief (approver)" in r for r in actions))
        browser.save_screenshot(os.path.join(a.out, "5-audit.png"))
        logs = [e["message"] for e in browser.get_log("browser")]
        check("no Content-Security-Policy violation in the browser",
              not [m for m in logs if "Content Security Policy" in m])
    finally:
        if browser:
            browser.quit()
        if server:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d check(s) failed" % console_lib.failures)
    return 1 if console_lib.failures else 0


if __name__ == "__main__":
    sys.exit(main())
