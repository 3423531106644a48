#!/usr/bin/python3
"""console_drills.py — the console's Drills screen and the dashboard's relay in headless Chromium
(Selenium), against the tocsind, mosquitto, SMSC simulator and tocsin-sim that console_drills.sh
started.

An approver adds a silent schedule for Wednesday 11:00 from the form (its parts chosen one by
one), sees it listed as the console's with its next slot, adds a second and removes it; the
schedule runs at its slot and the run's report shows per town and village who answered and how
fast, the receiver that failed and why, the trend, and a link to its CSV. On the orange warning's
dashboard the relay shows per town who confirmed and when, or that the chain ran out. A viewer
sees the schedules and the reports but no add or remove button, and the relay's phone numbers
masked. No Content-Security-Policy violation. Screenshots go to --out.

Usage: console_drills.py --url URL --alert ID --slot UNIX --out DIR --token-chief T
Exit 0 all checks passed, 1 a check failed, 77 no Chromium or Selenium here (skipped).
"""
import argparse
import os
import sys

from console_lib import By, Page, Select, WebDriverWait, api, check, ec, launch


def run(browser, a, url):
    page = Page(browser, url)
    slow = WebDriverWait(browser, 150, poll_frequency=0.5)
    by_id, waited, sign_in, sign_out, nav = page.by_id, page.waited, page.sign_in, page.sign_out, page.nav
    wait = page.wait

    def texts(selector):  # read in one go: the page redraws its tables as data come
        return browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", selector)

    def open_alert():  # clicked in the page's own turn: the list is redrawn every 15 s
        nav("alerts")
        wait.until(lambda b: b.execute_script(
            "const r = document.querySelector(`tr[data-id=\"${arguments[0]}\"]`); if (r) r.click(); return !!r", a.alert))

    def add(every, day, nth, time, mode, region):
        Select(by_id("d-every")).select_by_value(every)
        if day:
            Select(by_id("d-day")).select_by_value(day)
        if nth:
            Select(by_id("d-nth")).select_by_value(nth)
        browser.execute_script("const e = document.getElementById('d-time'); e.value = arguments[0];"
                               "e.dispatchEvent(new Event('input'))", time)
        Select(by_id("d-mode")).select_by_value(mode)
        by_id("d-region").clear()
        by_id("d-region").send_keys(region)
        by_id("drill-add").find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # --- the approver adds schedules from the form ----------------------------------------------
    sign_in("chief")
    nav("drills")
    waited("the Drills screen with its form", ec.visibility_of_element_located((By.ID, "drill-add")))
    add("weekly", "wed", None, "11:00", "silent", "120116")
    check("the form writes the grammar", by_id("d-spec").text == "weekly wed 11:00 silent 120116")
    row = (By.XPATH, '//tbody[@id="drill-rows"]/tr[td[3]="weekly wed 11:00 silent 120116"]')
    waited("the schedule is listed", ec.presence_of_element_located(row))
    cells = texts('#drill-rows tr td')
    check("…as the console's, by chief (%s)" % cells[:7], "console/API" in cells or "值班台/接口" in cells)
    add("monthly", "sun", "last", "08:30", "audible", "120116001")
    other = (By.XPATH, '//tbody[@id="drill-rows"]/tr[td[3]="monthly last-sun 08:30 audible 120116001"]')
    waited("an audible monthly one is listed", ec.presence_of_element_located(other))
    add("weekly", "wed", None, "11:00", "silent", "120116")
    waited("the same again is refused, saying so",
           lambda b: "already" in by_id("drill-error").text)
    add("weekly", "wed", None, "11:00", "silent", "120117")
    waited("a region outside the user's is refused, saying so",
           lambda b: "outside the regions" in by_id("drill-error").text)
    browser.find_element(*other).find_element(By.CLASS_NAME, "remove").click()
    waited("…and removed", lambda b: not b.find_elements(*other))
    by_id("drills").screenshot(os.path.join(a.out, "9-drills.png"))

    # --- the schedule runs at its slot; its report ----------------------------------------------
    run_row = (By.CSS_SELECTOR, "#drill-run-rows tr")
    waited("the run appears after its slot", lambda b: (nav("drills"), b.find_elements(*run_row))[1], slow)
    runs = api(url, "/api/v1/drills/runs", a.token_chief)["runs"]
    run_id = runs[0]["id"] if runs else 0
    check("the run is of the added schedule at its slot",
          bool(runs) and runs[0]["slot"] == a.slot and runs[0]["schedule"] == "weekly wed 11:00 silent 120116")

    def answered(b):  # the receivers answer within seconds: open the report again until all have
        nav("drills")
        b.execute_script("const e = document.querySelector(arguments[0]); if (e) e.click()",
                         '#drill-run-rows tr[data-run="%s"] .open-report' % run_id)
        rep = api(url, "/api/v1/drills/runs/%s/report" % run_id, a.token_chief)
        return rep["answered"] == 3 and len(b.find_elements(By.CSS_SELECTOR, "#dr-failures tr")) == 1
    waited("the report: 3 of 4 answered, one failed", answered, slow)
    groups = texts("#dr-groups tr td:first-child")
    check("…per town and village (%s)" % groups,
          all(g in " ".join(groups) for g in ("120116001", "120116002", "120116001001", "120116002002")))
    fail = texts("#dr-failures tr td")
    check("…the failed receiver with why (%s)" % fail, len(fail) == 4 and "silent" in fail[3])
    check("…the trend", len(browser.find_elements(By.CSS_SELECTOR, "#dr-trend tr")) == 1)
    href = by_id("dr-csv").get_attribute("href")
    check("…a link to its CSV", href.endswith("/api/v1/drills/runs/%s/report?format=csv" % run_id))
    csv = browser.execute_script(
        "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text())", href)
    check("…which the session can read", csv.startswith("receiver,town,village,state,seconds,within_target,reason"))
    by_id("drills").screenshot(os.path.join(a.out, "10-drill-report.png"))

    # --- the relay on the warning's dashboard ---------------------------------------------------
    open_alert()

    def relay_done(b):
        states = b.execute_script("return [...document.querySelectorAll('#relay-rows tr')].map(r => r.dataset.region + ' ' + r.dataset.state)")
        return "120116001 confirmed" in states and "120116002 ran-out" in states
    waited("the relay: the first town confirmed, the second ran out", relay_done, slow)
    turns = texts("#relay-rows .turn")
    check("…who confirmed, and where it ran out (%s)" % turns,
          any("镇值班室" in t and ("确认" in t or "confirmed" in t) for t in turns) and
          any("2" in t and ("区值班室" in t or "duty room" in t) for t in turns))
    steps = " ".join(texts("#relay-rows .step"))
    check("…each person in turn, the approver sees numbers masked (%s)" % steps[:120],
          "二镇值班室" in steps and "二镇镇长" in steps and "****" in steps)
    by_id("alert").screenshot(os.path.join(a.out, "11-relay.png"))
    sign_out()

    # --- a viewer: no add or remove ----------------------------------------------------------------
    sign_in("watcher")
    nav("drills")
    waited("the viewer sees the schedules", ec.presence_of_element_located(row))
    check("…but no form", not by_id("drill-add").is_displayed())
    check("…and no remove button", not browser.find_elements(By.CSS_SELECTOR, "#drill-rows .remove"))
    open_alert()
    waited("the viewer sees the relay", lambda b: b.find_elements(By.CSS_SELECTOR, "#relay-rows tr"))
    steps = " ".join(texts("#relay-rows .step"))
    check("…with the numbers masked (%s)" % steps[:80], "****" in steps and "13800200011" not in steps)
    sign_out()

    csp = page.csp_violations()
    check("no Content-Security-Policy violation (%s)" % csp[:2], not csp)


def main():
    p = argparse.ArgumentParser()
    for arg in ("--url", "--alert", "--out", "--token-chief"):
        p.add_argument(arg, required=True)
    p.add_argument("--slot", type=int, required=True)
    return launch(lambda browser, a: run(browser, a, a.url), p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
