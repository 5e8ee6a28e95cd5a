"""The site as readers use it: on a phone, a tablet and a laptop, light and
dark, by mouse and by keyboard, and as an accessibility checker sees it.

At 390, 900 and 1280 pixels wide: the navigation drawer opens from the
visible toggle and a chapter link in it works; at 390 pixels nothing sticks
out of the page except inside a scroll container. The colour mode follows
the system setting (``prefers-color-scheme``) with no console error. axe-core
(pinned in package.json, read from node_modules and injected by Playwright,
so nothing is fetched) finds no violation of impact "serious" or "critical"
on any page, light or dark. The animation players work by keyboard alone,
with a visible focus ring.
"""

from __future__ import annotations

import json
import re

import pytest
from sitepages import ROOT, site_pages

PAGES = site_pages() or ["index.html"]
WIDTHS = (390, 900, 1280)
CHAPTER = "book/02-spatial-separable.html"
TARGET = "03-depthwise-separable.html"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture
def open_page(browser, server):
    """Open a page at a width and colour scheme; record console errors."""
    contexts = []

    def _open(path, width=1280, scheme="light"):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on(
            "console",
            lambda m: m.type == "error" and page.errors.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
        page.goto(f"{server}/{path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        return page

    yield _open
    for context in contexts:
        context.close()


def _visible_chapter_link(page):
    return page.locator(f"nav.bd-docs-nav a[href$='{TARGET}']:visible")


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_navigation_opens_and_a_chapter_link_works(open_page, width):
    page = open_page(CHAPTER, width)
    toggle = page.locator(".primary-toggle:visible")
    assert toggle.count() == 1, f"{toggle.count()} visible sidebar toggles"
    if width >= 992:
        # The sidebar is shown; the toggle hides it and shows it again.
        assert _visible_chapter_link(page).count() == 1
        toggle.click()
        page.wait_for_timeout(400)
        assert _visible_chapter_link(page).count() == 0, "the toggle did not hide"
        toggle.click()
        page.wait_for_timeout(400)
    else:
        assert _visible_chapter_link(page).count() == 0, "drawer open at load"
        toggle.click()
    link = _visible_chapter_link(page)
    link.wait_for(state="visible", timeout=3000)
    link.click()
    page.wait_for_url(f"**/{TARGET}", timeout=5000)
    assert page.errors == [], page.errors


@pytest.mark.browser
def test_page_contents_drawer_opens_on_a_phone(open_page):
    page = open_page(CHAPTER, 390)
    toc = page.locator("nav.bd-toc-nav a:visible, .bd-toc a.nav-link:visible")
    assert toc.count() == 0, "the page contents are open at load"
    toggle = page.locator(".secondary-toggle:visible")
    assert toggle.count() == 1, f"{toggle.count()} visible contents toggles"
    toggle.click()
    toc.first.wait_for(state="visible", timeout=3000)
    assert page.errors == [], page.errors


# Elements that stick out of the viewport on the right, unless an ancestor
# that fits the viewport scrolls them (overflow-x auto or scroll).
OVERFLOW = r"""() => {
  const width = document.documentElement.clientWidth;
  const scrolled = (element) => {
    for (let a = element.parentElement; a && a !== document.body;
         a = a.parentElement) {
      const style = getComputedStyle(a);
      if (["auto", "scroll"].includes(style.overflowX)
          && a.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  const name = (e) => e.tagName.toLowerCase()
    + (e.id ? "#" + e.id : "")
    + (e.className && typeof e.className === "string"
       ? "." + e.className.trim().split(/\s+/).join(".") : "");
  // Visually hidden: clipped to nothing (MathJax's assistive MathML).
  const clipped = (element) => {
    for (let a = element; a; a = a.parentElement) {
      if (getComputedStyle(a).clip !== "auto") return true;
    }
    return false;
  };
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
    if (getComputedStyle(element).visibility === "hidden") continue;
    if (scrolled(element) || clipped(element)) continue;
    out.push(name(element) + " right=" + Math.round(box.right));
  }
  return {width, scrollWidth: document.documentElement.scrollWidth,
          out: out.slice(0, 8)};
}"""

# Horizontal scroll containers whose content is wider than they are, and
# whether they show it: faded out at the edge with more content behind it.
SCROLLERS = r"""() => [...document.querySelectorAll("article *")]
  .filter((e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX)
                 && e.scrollWidth > e.clientWidth + 1 && e.clientHeight > 0
                 && !e.closest("mjx-container, .math"))
  .map((e) => { e.scrollLeft = 0; const s = getComputedStyle(e);
    return {tag: e.tagName.toLowerCase(), cls: String(e.className),
            hint: s.maskImage !== "none"
                  && parseFloat(s.getPropertyValue("--sepconv-fade-end")) > 0}; })"""


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_nothing_overflows_a_phone(open_page, path):
    page = open_page(path, 390)
    found = page.evaluate(OVERFLOW)
    assert found["out"] == [], f"wider than the {found['width']} px screen: {found}"
    assert found["scrollWidth"] <= found["width"], found
    unhinted = [s for s in page.evaluate(SCROLLERS) if not s["hint"]]
    assert unhinted == [], f"scrolling with no visible hint: {unhinted[:5]}"


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colour_mode_follows_the_system(open_page, scheme):
    for path in ("book/intro.html", CHAPTER):
        page = open_page(path, 1280, scheme)
        state = page.evaluate(
            "() => [document.documentElement.dataset.mode,"
            " document.documentElement.dataset.theme]"
        )
        assert state == ["auto", scheme], f"{path}: mode, theme = {state}"
        assert page.errors == [], f"{path}: {page.errors}"


def _axe(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map((v) => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
        }"""
    )
    return [v for v in result if v["impact"] in SERIOUS]


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_nothing_serious(open_page, path, scheme):
    assert AXE.is_file(), f"no {AXE}: run `make assets` (npm ci)"
    page = open_page(path, 1280, scheme)
    page.evaluate("() => window.MathJax?.startup?.promise")
    violations = _axe(page)
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.browser
def test_axe_on_a_phone(open_page):
    for path in ("book/intro.html", CHAPTER):
        page = open_page(path, 390)
        page.evaluate("() => window.MathJax?.startup?.promise")
        violations = _axe(page)
        assert violations == [], f"{path}: {json.dumps(violations, indent=1)}"


FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    action: e.dataset.action || e.tagName.toLowerCase(),
    inPlayer: !!e.closest(".sepconv-player"),
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
          || style.boxShadow !== "none",
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_players_work_by_keyboard(open_page, scheme):
    page = open_page(CHAPTER, 1280, scheme)
    player = page.locator(".sepconv-player").first
    image = player.locator("img")
    # Tab from the element just before the player into its controls.
    player.evaluate(
        """(p) => { const s = document.createElement("span");
                    s.tabIndex = 0; p.before(s); s.focus(); }"""
    )
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED))
    actions = [f["action"] for f in order]
    expected = ["first", "previous", "play", "next", "last", "input"]
    assert actions == expected, f"focus order {actions}"
    assert all(f["inPlayer"] for f in order), order
    missing = [f["action"] for f in order if not f["ring"]]
    assert missing == [], f"no visible focus ring on {missing}"
    # Back to "next": Enter and Space step; the slider takes arrow keys.
    for _ in range(2):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["action"] == "next"
    frames = [image.get_attribute("src")]
    for key in ("Enter", " "):
        page.keyboard.press(key)
        frames.append(image.get_attribute("src"))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")
    frames.append(image.get_attribute("src"))
    assert len(set(frames)) == len(frames), "a key did not change the frame"
    assert page.errors == [], page.errors


SNIPPETS = r"""() => new Promise((done) => {
  const poll = () => {
    const status = document.querySelector("#search-results .search-summary");
    const found = [...document.querySelectorAll("#search-results p.context")];
    if (status && status.textContent.includes("found") && found.length)
      done(found.map((p) => p.textContent));
    else setTimeout(poll, 200);
  };
  poll();
})"""


@pytest.mark.browser
def test_search_snippets_show_no_tex(open_page):
    page = open_page("search.html?q=kernel")
    snippets = page.evaluate(SNIPPETS)
    tex = [s for s in snippets if re.search(r"\\[()\[\]]|\\[A-Za-z]+", s)]
    assert tex == [], f"raw TeX in search snippets: {tex[:3]}"
    assert any("3 × 3" in s for s in snippets), "no snippet quotes the math"
    assert page.errors == [], page.errors


IMAGE_SIZES = """() => [...document.querySelectorAll("article.bd-article img")].map(
  img => ({src: img.getAttribute("src").slice(0, 60),
           attribute: parseFloat(img.style.width) || +img.getAttribute("width") || 0,
           shown: img.getBoundingClientRect().width,
           shownHeight: img.getBoundingClientRect().height,
           natural: img.naturalWidth,
           naturalHeight: img.naturalHeight,
           player: !!img.closest(".sepconv-player")}))"""


@pytest.mark.browser
@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("book/0")])
def test_figures_are_shown_at_their_size_and_density(open_page, path):
    """At 1280 px no figure is scaled down (its text stays at the size the
    figure rule checks, tests/figure_text.py), and static figures carry
    twice the pixels they are shown with (sharp on high-density screens)."""
    page = open_page(path, 1280)
    images = page.evaluate(IMAGE_SIZES)
    assert images, f"{path}: no image"
    for image in images:
        assert image["attribute"] > 0, f"{path}: an image with no width: {image}"
        assert image["shown"] >= image["attribute"] - 0.5, f"scaled down: {image}"
        density = 1 if image["player"] else 2
        assert image["natural"] in (
            density * image["attribute"],
            density * image["attribute"] + 1,
        ), f"{path}: not at {density}x: {image}"


@pytest.mark.browser
def test_figures_keep_their_shape_on_a_phone(open_page):
    """Narrowed to a phone's column, a figure shrinks in both directions."""
    page = open_page(CHAPTER, 390)
    for image in page.evaluate(IMAGE_SIZES):
        shown = image["shownHeight"] / image["shown"]
        natural = image["naturalHeight"] / image["natural"]
        assert abs(shown / natural - 1) < 0.02, f"squeezed: {image}"
