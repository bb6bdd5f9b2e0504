"""A real headless Chromium (Debian's) drives the app: classes, sliders, shared URLs, GIF downloads."""
import base64

import pytest

from cgan.explorer import gif_frame_count
from conftest import ARTIFACTS

pytestmark = pytest.mark.slow


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


def open_generate(page, url):
    """The Generate tab (the server path); the page opens on the instant tab."""
    page.goto(url)
    page.get_by_role("tab", name="Generate").click()
    page.wait_for_selector("#image img")


def test_pick_a_class_and_move_a_slider(page, app_url):
    open_generate(page, app_url)
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
    page.wait_for_selector("#image img")  # a link with controls opens the Generate tab by itself
    page.wait_for_function("() => document.querySelector('#class input').value === 'Sneaker'")
    assert page.locator("#seed input").first.input_value() == "5"
    assert float(page.locator("#psi input[type=number]").first.input_value()) == 0.7
    assert float(page.locator("#slider-0 input[type=number]").first.input_value()) == 1.5
    assert float(page.locator("#slider-3 input[type=number]").first.input_value()) == -2.0
    page.screenshot(path=str(ARTIFACTS / "browser-shared-url.png"), full_page=True)


def test_interpolate_and_download_the_gif(page, app_url, tmp_path):
    page.goto(app_url)
    page.get_by_role("tab", name="Interpolate").click()
    set_number(page, "steps", 12)  # the interpolation follows its controls: no button press needed
    link = page.locator('#gif a[href*="12-frames"]').first
    link.wait_for()
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "interp.gif"
    download_info.value.save_as(path)
    assert gif_frame_count(path.read_bytes()) == 12
    page.screenshot(path=str(ARTIFACTS / "browser-interpolate.png"), full_page=True)


@pytest.mark.parametrize("tab, selector", [("Generate", "#image img"), ("Generate", "#strips img"),
                                           ("Class grid", "#grid-table img"), ("Interpolate", "#animation img")])
def test_every_tab_shows_a_result_on_arrival_without_a_click(page, app_url, tab, selector):
    page.goto(app_url)
    page.get_by_role("tab", name=tab).click()
    page.wait_for_selector(selector)
    assert page.locator(selector).first.get_attribute("src").startswith(("data:image/", "http"))
    assert page.locator(selector).first.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_class_grid_labels_its_rows_and_fits_the_window(page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Class grid").click()
    page.wait_for_selector("#grid-table img")
    labels = page.locator("#grid-table th").all_inner_texts()
    assert labels == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"]
    page.set_viewport_size({"width": 1400, "height": 1000})
    bottom = page.locator("#grid-table table").evaluate("t => t.getBoundingClientRect().bottom")
    assert bottom <= 1000, f"the grid ends at {bottom}px, below a 1000px window"
    assert page.locator("#grid-table a[download]").get_attribute("href").startswith("data:image/png;base64,")
    page.screenshot(path=str(ARTIFACTS / "browser-class-grid.png"))


def test_the_interpolation_plays_as_an_animation_in_the_page(page, app_url):
    from cgan.explorer import gif_frame_count

    page.goto(app_url)
    page.get_by_role("tab", name="Interpolate").click()
    src = page.locator("#animation img").first.get_attribute("src")
    assert src.startswith("data:image/gif;base64,")
    assert gif_frame_count(base64.b64decode(src.split(",", 1)[1])) == 16


def test_nearest_training_images_are_shown_with_a_verdict(page, app_url):
    open_generate(page, app_url)
    page.wait_for_selector("#nearest-text p", timeout=240_000)  # the first start builds the training-set index
    assert "real test images" in page.locator("#nearest-text").inner_text()
    assert page.locator("#nearest img").count() == 3


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_phone_screen_has_no_horizontal_scroll(browser, app_url, scheme):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name="Instant").wait_for()
    for tab in ("Instant", "Generate", "Class grid", "Interpolate"):
        button = page.get_by_role("tab", name=tab)
        if not button.count():  # a narrow screen lists the last tabs under "More tabs"
            page.get_by_role("button", name="More tabs").click()
            button = page.locator(".overflow-dropdown button", has_text=tab)
        button.click()
        page.wait_for_timeout(300)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{tab}: the page is {width}px wide on a 390px screen"
        page.screenshot(path=str(ARTIFACTS / f"browser-phone-{scheme}-{tab.split(' (')[0].replace(' ', '-').lower()}.png"),
                        full_page=True)
    context.close()
