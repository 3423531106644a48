#!/usr/bin/python3
"""console_health.py — receiver health on the console's Receivers screen in headless Chromium
(Selenium), against the tocsind, mosquitto and tocsin-sim that console_health.sh started.

The approver's Receivers screen shows per town the receivers, the listed ones and the health
figure as GET /api/v1/health gives them, coloured against the 90–95 % targets; the maintenance
list names exactly the receivers the API lists, with each problem and its evidence and since
when; the filters by problem and town narrow it; the CSV link is readable with the session; the
listed receivers are ringed on the map, whose dots a filter restyles and does not make anew. A
receiver name carrying markup is shown as text (list and map tooltip). A viewer of one town sees
its own receivers and no button; the SMS gateway's role, refused by the API, sees no health part.
No Content-Security-Policy violation. Screenshot to --out.

Usage: console_health.py --url URL --out DIR --token-approver T --token-town T --token-gateway T
Exit 0 all checks passed, 1 a check failed, 77 no Chromium or Selenium here (skipped).
"""
import argparse
import os
import sys
import urllib.error

from console_lib import By, Page, Select, api, check, launch

MARKUP = "<img src=x onerror=window.pwned=1>新港三村"
RING = "#6a1b9a"  # the listed receivers' ring on the map


def band(health):
    return "health-good" if health >= 0.95 else "health-fair" if health >= 0.9 else "health-poor"


def run(browser, a):
    url = a.url
    page = Page(browser, url)
    by_id, js, waited, sign_in, sign_out = page.by_id, page.js, page.waited, page.sign_in, page.sign_out

    def listed_rows():  # [[id, problems]] of the list as shown, read in one go
        return js("return [...document.querySelectorAll('#health-rows tr')].map(r => [r.dataset.id, r.dataset.problems])")

    def ringed():  # the ids of the dots ringed on the map
        return sorted(js("return [...maps['f-map'].dots].filter(([, d]) => d.options.color === arguments[0])"
                         ".map(([id]) => id)", RING) or [])

    def shown(want):  # the list shows these ids (sorted) and the map rings the same
        return lambda b: sorted(r[0] for r in listed_rows()) == want and ringed() == want

    # --- the approver's Receivers screen ----------------------------------------------------------
    sign_in("t-approver")
    page.nav("fleet")
    h = api(url, "/api/v1/health", a.token_approver)
    want = sorted(r["id"] for r in h["receivers"])
    check("the API lists four (%s)" % want, want == ["f-00000", "k-00000", "s-00000", "x-1"])
    waited("the maintenance list is shown", lambda b: by_id("health").is_displayed() and
           sorted(r[0] for r in listed_rows()) == want)
    rows = {r[0]: r[1] for r in listed_rows()}
    check("…each with its problems (%s)" % rows, rows == {r["id"]: " ".join(p["problem"] for p in r["problems"])
                                                        for r in h["receivers"]})
    cells = js("return [...document.querySelectorAll('#health-rows tr')].map(r => [...r.cells].map(c => c.textContent))")
    by_rx = {c[0]: c for c in cells}
    check("…kind, name and village (%s)" % by_rx.get("k-00000", [])[:4],
          by_rx.get("k-00000", [None] * 4)[3] == "120116002002" and "x-1" in by_rx)
    evidence = {r["id"]: r["problems"][0]["evidence"] for r in h["receivers"]}
    check("…the evidence as the API words it",
          all(rx in by_rx and evidence[rx] in by_rx[rx][4] for rx in evidence))
    check("…the self-check's failure named (%s)" % by_rx.get("f-00000", [""] * 5)[4],
          "audio simulated-failure" in by_rx.get("f-00000", [""] * 5)[4])
    check("…the clock's offset named (%s)" % by_rx.get("k-00000", [""] * 5)[4],
          "clock +1" in by_rx.get("k-00000", [""] * 5)[4])
    check("…since when", all(len(by_rx.get(rx, [""] * 6)[5]) > 8 for rx in want))

    # the markup in a registered name stays text
    check("the name with markup is shown as text", by_rx.get("x-1", [""] * 3)[2] == MARKUP)
    check("…no element was made of it", not browser.find_elements(By.CSS_SELECTOR, "#health img, #fleet img.x"))
    js("maps['f-map'].dots.get('x-1').openTooltip()")
    tip = js("return [...document.querySelectorAll('#f-map .leaflet-tooltip')].map(e => e.textContent).join('|')")
    check("…nor in the map's tooltip (%s)" % tip, MARKUP in tip and
          not browser.find_elements(By.CSS_SELECTOR, "#f-map .leaflet-tooltip img"))
    check("…and nothing ran", js("return window.pwned") is None)

    # per town: receivers, listed, health, coloured against the targets
    towns = js("return [...document.querySelectorAll('#health-towns tr:not(.total)')].map(r => "
               "[r.dataset.town, ...[...r.cells].slice(1).map(c => c.textContent), r.cells[3].className])")
    api_towns = [[t["town"], str(t["receivers"]), str(t["listed"]), "%.1f %%" % (t["health"] * 100),
                  "health " + band(t["health"])] for t in h["towns"]]
    check("the per-town figures are the API's (%s)" % towns, towns == api_towns)
    check("…three towns: fair, poor and good", [t[4] for t in towns] ==
          ["health health-fair", "health health-poor", "health health-good"])
    total = js("return [...document.querySelectorAll('#health-towns tr.total td')].map(c => c.textContent)")
    check("…and their total (%s)" % total, total[1:3] == [str(h["counts"]["receivers"]), str(h["counts"]["listed"])])

    # the map rings the listed receivers; a filter restyles the dots, it does not make them anew
    waited("the map rings the listed receivers", shown(want))
    n_dots = js("const ps = [...document.querySelectorAll('#f-map path.leaflet-interactive')];"
                "ps.forEach(p => { p.dataset.seen = '1'; }); return ps.length")
    check("…one dot a receiver (%s)" % n_dots, n_dots == h["counts"]["receivers"])

    # the filters
    Select(by_id("health-problem")).select_by_value("offline")
    waited("filter offline: s-00000 and x-1", shown(["s-00000", "x-1"]))
    Select(by_id("health-town")).select_by_value("120116002")
    waited("…and town 120116002: none", shown([]))
    Select(by_id("health-problem")).select_by_value("")
    waited("town 120116002: f-00000 and k-00000", shown(["f-00000", "k-00000"]))
    Select(by_id("health-problem")).select_by_value("clock")
    waited("…with problem clock: k-00000", shown(["k-00000"]))
    check("…and the count says so (%s)" % by_id("health-count").text, "1" in by_id("health-count").text)
    same = js("const ps = [...document.querySelectorAll('#f-map path.leaflet-interactive')];"
              "return [ps.length, ps.filter(p => p.dataset.seen === '1').length]")
    check("…the map's dots were restyled, not made anew (%s)" % same, same == [n_dots, n_dots])
    Select(by_id("health-problem")).select_by_value("")
    Select(by_id("health-town")).select_by_value("")
    waited("no filter: all four again", shown(want))

    # the CSV
    href = by_id("health-csv").get_attribute("href")
    check("a link to the CSV (%s)" % href, href.endswith("/api/v1/health?format=csv"))
    csv = js("return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text())", href)
    lines = csv.strip().split("\n")
    check("…which the session can read", lines[0] == "receiver,kind,name,region,town,since,problem,evidence"
          and len(lines) == 5)
    check("…nothing here writes: no button in the health part",
          not browser.find_elements(By.CSS_SELECTOR, "#health button, #health form"))
    browser.set_window_size(1360, 1900)
    js("maps['f-map'].dots.get('x-1').closeTooltip()")
    by_id("fleet").screenshot(os.path.join(a.out, "12-health.png"))
    browser.set_window_size(1360, 1000)
    by_id("lang").click()
    waited("in English: the problems named in English",
           lambda b: js("return document.querySelector('#health-rows tr[data-id=\"s-00000\"] .problem strong')"
                        ".textContent") == "offline" and "of 30 receivers" in by_id("health-summary").text)
    by_id("lang").click()
    sign_out()

    # --- a viewer of town 120116002: its own receivers only, read only -----------------------------
    sign_in("t-town")
    page.nav("fleet")
    mine = sorted(r["id"] for r in api(url, "/api/v1/health", a.token_town)["receivers"])
    check("the town's viewer: the API gives its two (%s)" % mine, mine == ["f-00000", "k-00000"])
    waited("…and the screen shows them", lambda b: sorted(r[0] for r in listed_rows()) == mine)
    check("…only its town's figure",
          js("return [...document.querySelectorAll('#health-towns tr')].map(r => r.dataset.town)") == ["120116002"])
    check("…no button", not browser.find_elements(By.CSS_SELECTOR, "#health button, #health form"))
    sign_out()

    # --- a viewer of another county: an empty list ---------------------------------------------------
    sign_in("t-far")
    page.nav("fleet")
    waited("a viewer of another county: the part with nothing in it",
           lambda b: by_id("health").is_displayed() and by_id("health-summary").text != "")
    check("…no receiver, no town", not listed_rows() and
          not browser.find_elements(By.CSS_SELECTOR, "#health-towns tr"))
    sign_out()

    # --- the SMS gateway's role may not read it: refused, and the part is not shown ------------------
    try:
        api(url, "/api/v1/health", a.token_gateway)
        refused = None
    except urllib.error.HTTPError as e:
        refused = e.code
    check("the gateway role is refused by the API (%s)" % refused, refused == 403)
    sign_in("t-gw")
    page.nav("fleet")
    waited("…and the console shows it no health part",
           lambda b: js("return document.getElementById('health').hidden") and by_id("app-error").text)
    check("…nor any of the list", not listed_rows())
    sign_out()

    csp = page.csp_violations()
    check("no Content-Security-Policy violation (%s)" % csp[:2], not csp)


def main():
    p = argparse.ArgumentParser()
    for arg in ("--url", "--out", "--token-approver", "--token-town", "--token-gateway"):
        p.add_argument(arg, required=True)
    return launch(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
