"""A real headless Chromium (Debian's) drives the app: classes, sliders, shared URLs, GIF downloads."""
import shutil
from urllib.parse import urlparse

import pytest

from cgan.explorer import gif_frame_count
from conftest import ARTIFACTS

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, app_url):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    blocked = []

    def only_local(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.set_default_timeout(30_000)
    yield page
    context.close()


def image_src(page, elem_id="image"):
    return page.locator(f"#{elem_id} img").first.get_attribute("src")


def wait_for_new_image(page, old, elem_id="image"):
    page.wait_for_function(
        "([id, old]) => { const i = document.querySelector('#' + id + ' img'); return i && i.src && i.src !== old; }",
        arg=[elem_id, old])
    return image_src(page, elem_id)


def set_number(page, elem_id, value):
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def test_pick_a_class_and_move_a_slider(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#image img")
    first = image_src(page)
    page.locator("#class input").click()
    page.get_by_role("option", name="Bag", exact=True).click()
    after_class = wait_for_new_image(page, first)
    assert "class=Bag" in page.url
    set_number(page, "slider-0", 2.5)
    after_slider = wait_for_new_image(page, after_class)
    assert after_slider != after_class
    page.wait_for_function("() => window.location.search.includes('s0=2.5')")
    page.screenshot(path=str(ARTIFACTS / "browser-generate.png"), full_page=True)


def test_a_shared_url_restores_its_state(page, app_url):
    page.goto(app_url + "/?class=Sneaker&seed=5&psi=0.7&s0=1.5&s3=-2")
    page.wait_for_selector("#image img")
    page.wait_for_function("() => document.querySelector('#class input').value === 'Sneaker'")
    assert page.locator("#seed input").first.input_value() == "5"
    assert float(page.locator("#psi input[type=number]").first.input_value()) == 0.7
    assert float(page.locator("#slider-0 input[type=number]").first.input_value()) == 1.5
    assert float(page.locator("#slider-3 input[type=number]").first.input_value()) == -2.0
    page.screenshot(path=str(ARTIFACTS / "browser-shared-url.png"), full_page=True)


def test_interpolate_and_download_the_gif(page, app_url, tmp_path):
    page.goto(app_url)
    page.wait_for_selector("#image img")
    page.get_by_role("tab", name="Interpolate").click()
    set_number(page, "steps", 12)
    page.locator("#interpolate").click()
    link = page.locator("#gif a").first
    link.wait_for()
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "interp.gif"
    download_info.value.save_as(path)
    assert gif_frame_count(path.read_bytes()) == 12
    page.screenshot(path=str(ARTIFACTS / "browser-interpolate.png"), full_page=True)
