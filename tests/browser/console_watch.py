#!/usr/bin/python3
"""console_watch.py — the duty console's whole path in headless Chromium (Selenium), against the
tocsind, mosquitto, SMSC simulator and tocsin-sim that console_watch.sh started.

A drafter composes a typhoon orange warning from the standard template for two towns picked in
the registry's tree, sees a validation error appear at its field and go, hears the preview (the
audio element loads and plays), reads the SMS and the shelter screen, and submits; an approver
approves; the live dashboard shows coverage rising to the simulated figure (18 of 20), the two
escalated villages with their officers' SMS state and replies; a Cancel composed from the
dashboard and approved ends it. A viewer sees masked phone numbers and no button that changes
anything; the receivers screen lists the one that never came online as silent; the audit trail
is searchable. Screenshots of each screen go to --out.

Usage: console_watch.py --url URL --sender CODE --out DIR --token-approver T --token-viewer T
Exit 0 all checks passed, 1 a check failed, 77 no Chromium or Selenium here (skipped).
"""
import argparse
import os
import sys

from console_lib import By, Page, WebDriverWait, api, check, ec, launch


def main():
    p = argparse.ArgumentParser()
    for arg in ("--url", "--sender", "--out", "--token-approver", "--token-viewer"):
        p.add_argument(arg, required=True)
    return launch(lambda browser, a: run(browser, a, a.url), p.parse_args(),
                  ("--autoplay-policy=no-user-gesture-required",))


def run(browser, a, url):
    browser.set_page_load_timeout(20)
    slow = WebDriverWait(browser, 120, poll_frequency=0.5)
    by_id = lambda i: browser.find_element(By.ID, i)  # noqa: E731
    shot = lambda name: browser.save_screenshot(os.path.join(a.out, name + ".png"))  # noqa: E731

    page = Page(browser, url)
    waited, sign_in, sign_out, nav = page.waited, page.sign_in, page.sign_out, page.nav

    def attrs(b, selector, attr):  # read in one go: the page redraws its tables as data come
        return b.execute_script("return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]))",
                                selector, attr)

    def approve(alert_id, reason):
        nav("approvals")
        item = (By.CSS_SELECTOR, 'li.pending[data-id="%s"]' % alert_id)
        if not waited("the approver finds %s in the queue" % alert_id, ec.presence_of_element_located(item)):
            return
        li = browser.find_element(*item)
        li.find_element(By.CLASS_NAME, "reason").send_keys(reason)
        li.find_element(By.CLASS_NAME, "approve").click()
        waited("…approves it", lambda b: not b.find_elements(*item))

    # --- the drafter composes from the template ------------------------------------------------
    sign_in("forecaster")
    nav("compose")
    waited("the registry's tree is drawn", lambda b: b.find_elements(By.CSS_SELECTOR, '#tree input[value="120116001"]'))
    by_id("c-office").send_keys("天津市滨海新区")
    by_id("c-area-desc").send_keys("滨海新区塘沽街道、新河街道")
    by_id("c-template").click()
    headline = by_id("c-headline").get_attribute("value")
    check("the typhoon orange template fills the headline (%s)" % headline,
          headline.startswith("天津市滨海新区气象台") and "台风橙色预警" in headline)
    check("…the standard instructions", len(by_id("c-instruction").get_attribute("value")) > 20)
    check("…and the English ones", len(by_id("c-instruction-en").get_attribute("value")) > 20)
    for town in ("120116001", "120116002"):
        browser.find_element(By.CSS_SELECTOR, '#tree input[value="%s"]' % town).click()
    check("…and marks what the forecaster must add", "……" in by_id("c-description").get_attribute("value"))
    for field, text in (("c-description", "预计未来12小时内，第14号台风将影响滨海新区，沿海平均风力可达10级以上。"),
                        ("c-description-en", "Typhoon No. 14 will affect Binhai within 12 hours; mean winds on the coast may reach force 10.")):
        by_id(field).clear()
        by_id(field).send_keys(text)
    check("ticking two towns names them in the area", by_id("c-areas").get_attribute("value") == "120116001, 120116002")
    waited("the check counts the targets per town", lambda b: len(b.find_elements(By.CSS_SELECTOR, "#check-towns tr")) == 2)
    check("…20 receivers in all", "20" in by_id("check-summary").text)
    reached = browser.execute_script("return document.querySelectorAll('.leaflet-interactive').length")
    check("the map draws the receivers (%d)" % reached, reached >= 20)
    # a circle drawn on the map: its centre, then a point on its edge
    from selenium.webdriver.common.action_chains import ActionChains
    by_id("draw-circle").click()
    the_map = by_id("c-map")
    ActionChains(browser).move_to_element_with_offset(the_map, 0, 0).click().perform()
    ActionChains(browser).move_to_element_with_offset(the_map, 40, 0).click().perform()
    waited("a circle drawn on the map becomes part of the area", lambda b: "圆" in b.find_element(By.ID, "c-shapes").text)
    waited("…and the draft with it is checked valid", lambda b: "校验通过" in b.find_element(By.ID, "check-summary").text)
    check("…the circle on the map", browser.execute_script("return document.querySelectorAll('#c-map path.leaflet-interactive').length") >= 1)
    by_id("draw-clear").click()
    waited("…and cleared", lambda b: "圆" not in b.find_element(By.ID, "c-shapes").text)
    by_id("c-areas").send_keys(", 130303")
    waited("a region outside the drafter's appears as an error at the area field",
           lambda b: b.find_element(By.CSS_SELECTOR, '.field-error[data-field="areas"]').text != "")
    shot("2-compose-error")
    area = by_id("c-areas")
    area.clear()
    area.send_keys("120116001, 120116002")
    waited("…and goes when it is right",
           lambda b: b.find_element(By.CSS_SELECTOR, '.field-error[data-field="areas"]').text == ""
           and "校验通过" in b.find_element(By.ID, "check-summary").text)
    check("…said to need a second person", "需第二人签发" in by_id("check-summary").text)

    by_id("c-preview").click()
    waited("the preview renders the spoken script", lambda b: b.find_elements(By.CSS_SELECTOR, "#preview .preview-lang pre.script"), slow)
    script = browser.find_element(By.CSS_SELECTOR, '#preview .preview-lang[data-lang="zh-CN"] pre.script').text
    check("…which says the headline (%s)" % script[:60], "台风" in script or "tai2 feng1" in script)
    check("…the SMS in UCS2 with its segments",
          "UCS2" in browser.find_element(By.CSS_SELECTOR, '#preview .preview-lang[data-lang="zh-CN"] .sms-info').text)
    check("…the shelter display's screen", len(browser.find_elements(By.CSS_SELECTOR, "#preview .screen .line")) > 3)
    waited("the preview audio loads", lambda b: b.execute_script(
        "const a = document.querySelector('#preview audio'); return a && a.readyState >= 2 && a.duration > 1"))
    played = browser.execute_async_script(
        "const a = document.querySelector('#preview audio'); const done = arguments[arguments.length - 1];"
        "a.play().then(() => setTimeout(() => { done(a.currentTime); a.pause(); }, 1500)).catch(() => done(-1));")
    check("…and plays (%.2f s in)" % (played or 0), played and played > 0.3)

    browser.execute_script("window.scrollTo(0, 0)")
    shot("2-compose")
    by_id("preview").screenshot(os.path.join(a.out, "3-preview.png"))
    by_id("c-submit").click()
    waited("submitted and held", lambda b: b.find_element(By.ID, "submitted").get_attribute("data-id"))
    alert_id = by_id("submitted").get_attribute("data-id")
    check("…as pending approval", "pending-approval" in by_id("submitted").text)
    sign_out()

    # --- the approver releases it --------------------------------------------------------------
    sign_in("chief")
    nav("approvals")
    item = (By.CSS_SELECTOR, 'li.pending[data-id="%s"]' % alert_id)
    waited("the approver's queue holds it", ec.presence_of_element_located(item))
    browser.find_element(*item).find_element(By.CLASS_NAME, "listen").click()
    waited("…and the approver hears it before approving", lambda b: b.execute_script(
        "const a = document.querySelector('li.pending[data-id=\"%s\"] audio');"
        "return a && a.readyState >= 2 && a.duration > 1" % alert_id), slow)
    shot("4-approvals")
    approve(alert_id, "核对无误，同意发布")
    check("released (%s)" % api(url, "/api/v1/alerts/" + alert_id, a.token_approver)["state"],
          api(url, "/api/v1/alerts/" + alert_id, a.token_approver)["state"] != "pending-approval")

    # --- the live dashboard ---------------------------------------------------------------------
    nav("alerts")
    row = (By.CSS_SELECTOR, '#alert-rows tr[data-id="%s"]' % alert_id)
    waited("the alert is in the list", ec.presence_of_element_located(row))
    page.click(row)
    waited("the dashboard is live (server-sent events)", lambda b: "on" in b.find_element(By.ID, "live").get_attribute("class"))
    seen = set()

    def coverage_seen(b):
        seen.add(b.find_element(By.ID, "alert-coverage").text)
        return b.find_element(By.ID, "alert-coverage").text == "90 %"
    waited("coverage rises to the simulated figure, 90 %", coverage_seen, slow)
    check("…through figures below it (%s)" % sorted(seen), len(seen) >= 2 or "0 %" in seen)
    waited("two villages escalated to their officers",
           lambda b: len(b.find_elements(By.CSS_SELECTOR, "#villages tr")) == 2, slow)
    waited("…who confirmed by SMS, their replies shown",
           lambda b: b.execute_script("const rows = [...document.querySelectorAll('#villages tr')];"
                                      "return rows.length == 2 && rows.every(r => r.textContent.includes('收到')"
                                      " && r.cells[4].textContent == '是')"), slow)
    towns = browser.execute_script(
        "return [...document.querySelectorAll('#region-rows tr')].map(r => [...r.cells].map(c => c.textContent).join(' '))")
    # the silent sim-00009 and sim-00019 are both in the second town (the registry alternates)
    check("coverage per town (%s)" % towns, towns == ["120116001 10 10 100 %", "120116002 10 8 80 %"])
    colours = browser.execute_script(
        "return [...document.querySelectorAll('#a-map .leaflet-interactive')].map(e => e.getAttribute('fill'))")
    check("the map colours receivers by delivery state (%d green)" % colours.count("#2e7d32"), colours.count("#2e7d32") == 18)
    shot("5-dashboard")
    sign_out()

    # --- a viewer: masked numbers, nothing to press ---------------------------------------------
    sign_in("watcher")
    nav("alerts")
    waited("the viewer sees the alert", ec.presence_of_element_located(row))
    page.click(row)
    waited("…and its escalated villages", lambda b: len(b.find_elements(By.CSS_SELECTOR, "#villages tr")) == 2)
    officers = browser.execute_script("return document.getElementById('villages').textContent")
    check("…with the officers' numbers masked", "****" in officers and "+861380010" not in officers)
    buttons = [b.text for b in browser.find_elements(By.TAG_NAME, "button") if b.is_displayed()
               and b.get_attribute("data-t") in ("update", "cancel", "approve", "reject", "submit", "import-go")]
    check("…and no button that changes anything (%s)" % buttons, not buttons)
    check("…no compose", not browser.find_element(By.CSS_SELECTOR, 'nav [data-view="compose"]').is_displayed())
    nav("fleet")
    waited("the receivers screen lists the registry", lambda b: len(b.find_elements(By.CSS_SELECTOR, "#fleet-rows tr")) == 21)
    check("…its shelters with capacity", "1200" in by_id("shelter-rows").text)
    check("…and no import for a viewer", not by_id("import").is_displayed())
    by_id("silent-only").click()
    waited("the silent filter keeps the one never switched on",
           lambda b: attrs(b, "#fleet-rows tr", "data-id") == ["rx-dark-01"])
    shot("6-receivers")
    sign_out()

    # --- the drafter cancels it from the dashboard; the approver releases the Cancel ------------
    sign_in("forecaster")
    nav("alerts")
    waited("the drafter opens the alert", ec.presence_of_element_located(row))
    page.click(row)
    waited("…which offers Cancel", lambda b: b.find_element(By.ID, "alert-cancel").is_displayed())
    by_id("alert-update").click()
    waited("an Update is composed from it", lambda b: "更新" in b.find_element(By.ID, "c-kind").text
           and "校验通过" in b.find_element(By.ID, "check-summary").text)
    check("…with its texts and area", by_id("c-headline").get_attribute("value") == headline
          and by_id("c-areas").get_attribute("value") == "120116001, 120116002")
    nav("alerts")
    waited("back to the alert", ec.presence_of_element_located(row))
    page.click(row)
    waited("…Cancel", lambda b: b.find_element(By.ID, "alert-cancel").is_displayed())
    by_id("alert-cancel").click()
    waited("the Cancel is composed from it", lambda b: "撤销" in b.find_element(By.ID, "c-kind").text
           and "校验通过" in b.find_element(By.ID, "check-summary").text)
    check("…naming the alert it cancels", alert_id and len(by_id("c-refers-id").text.split(",")) == 3)
    by_id("c-submit").click()
    waited("…and submitted", lambda b: b.find_element(By.ID, "submitted").get_attribute("data-id"))
    cancel_id = by_id("submitted").get_attribute("data-id")
    sign_out()
    sign_in("chief")
    approve(cancel_id, "台风已减弱，解除预警")
    nav("alerts")
    waited("the approver opens the first alert", ec.presence_of_element_located(row))
    page.click(row)
    waited("the dashboard says it is cancelled", lambda b: b.find_element(By.ID, "alert-state").text == "cancelled", slow)
    check("…and offers no Cancel any more", not by_id("alert-cancel").is_displayed())
    nav("alerts")
    by_id("in-force").click()
    waited("the alerts in force leave it out", lambda b: not b.find_elements(*row))
    by_id("in-force").click()
    shot("7-cancelled")
    sign_out()

    # --- the registry clerk imports a file with mistakes: every bad row named, none imported ---------
    sign_in("clerk")
    nav("fleet")
    waited("the clerk may import", lambda b: b.find_element(By.ID, "import").is_displayed())
    bad = os.path.join(a.out, "receivers-with-mistakes.csv")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("id,kind,name,lat,lon,region\n"
                "rx-new-01,loudspeaker,新港村二号大喇叭,39.01,117.70,120116001001\n"
                "rx-new-02,loudspeaker,坐标错了,139.01,117.70,120116001002\n"
                "rx-new-03,loudspeaker,区域码错了,39.02,117.71,12011600\n")
    by_id("import-file").send_keys(bad)
    browser.find_element(By.CSS_SELECTOR, "#import button[type=submit]").click()
    waited("each bad row is named by its line", lambda b: len(b.find_elements(By.CSS_SELECTOR, "#import-errors li")) == 2)
    errors = browser.execute_script("return document.getElementById('import-errors').textContent")
    check("…lines 3 and 4 (%s)" % errors[:120], "line 3" in errors and "line 4" in errors)
    check("…and nothing was imported", len(api(url, "/api/v1/fleet", a.token_viewer)["receivers"]) == 21)
    by_id("import").screenshot(os.path.join(a.out, "6-import-errors.png"))
    sign_out()

    # --- the audit trail, searched ----------------------------------------------------------------
    sign_in("auditor")
    nav("audit")
    waited("the audit chain holds", lambda b: b.find_element(By.ID, "chain").get_attribute("class") == "holds")
    from selenium.webdriver.support.ui import Select
    Select(by_id("audit-action")).select_by_value("approve")
    actions = set(browser.execute_script(
        "return [...document.querySelectorAll('#audit-rows tr')].map(r => r.cells[3].textContent)"))
    check("the action filter keeps the approvals (%s)" % sorted(actions), actions == {"approve"})
    by_id("audit-search").send_keys(cancel_id)
    found = browser.execute_script(
        "return [...document.querySelectorAll('#audit-rows tr')].map(r => r.cells[4].textContent)")
    check("searching finds the Cancel's approval (%s)" % found, len(found) == 1 and cancel_id in found[0])
    shot("8-audit")
    csp = page.csp_violations()
    check("no Content-Security-Policy violation (%s)" % csp[:2], not csp)


if __name__ == "__main__":
    sys.exit(main())
