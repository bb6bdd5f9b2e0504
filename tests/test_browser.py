"""A real headless Chromium (Debian's) drives the app: classes, sliders, shared URLs, GIF downloads."""
import base64

import pytest

from cgan.explorer.pictures import gif_frame_count
from conftest import ARTIFACTS

pytestmark = pytest.mark.slow


CANVAS_PNG = "() => document.querySelector('#image canvas').toDataURL()"


def shown_image(page) -> str:
    """The Generate tab's live image (a canvas) as a PNG data: URI."""
    return page.evaluate(CANVAS_PNG)


def wait_for_new_image(page, old):
    page.wait_for_function(f"(old) => ({CANVAS_PNG})() !== old", arg=old)
    return shown_image(page)


def wait_for_loaded_images(page, selector):
    """Wait (however busy the machine) until `selector` matches images that have all been decoded."""
    page.wait_for_function("""(selector) => { const images = [...document.querySelectorAll(selector)];
        return images.length > 0 && images.every(img => img.complete && img.naturalWidth > 0); }""", arg=selector)


def set_number(page, elem_id, value):
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def open_generate(page, url):
    """The Generate tab (the server path); the page opens on the instant tab."""
    page.goto(url)
    page.get_by_role("tab", name="Generate").click()
    page.wait_for_selector("#image canvas")


def test_pick_a_class_and_move_a_slider(page, app_url):
    open_generate(page, app_url)
    first = shown_image(page)
    page.locator("#class input").click()
    page.get_by_role("option", name="Bag", exact=True).click()
    after_class = wait_for_new_image(page, first)
    page.wait_for_function("() => window.location.search.includes('class=Bag')")  # once the controls are still
    set_number(page, "slider-0", 2.5)
    after_slider = wait_for_new_image(page, after_class)
    assert after_slider != after_class
    page.wait_for_function("() => window.location.search.includes('s0=2.5')")
    page.screenshot(path=str(ARTIFACTS / "browser-generate.png"), full_page=True)


def test_a_shared_url_restores_its_state(page, app_url):
    page.goto(app_url + "/?class=Sneaker&seed=5&psi=0.7&s0=1.5&s3=-2")
    page.wait_for_selector("#image canvas")  # a link with controls opens the Generate tab by itself
    page.wait_for_function("() => document.querySelector('#class input').value === 'Sneaker'")
    assert page.locator("#seed input").first.input_value() == "5"
    assert float(page.locator("#psi input[type=number]").first.input_value()) == 0.7
    assert float(page.locator("#slider-0 input[type=number]").first.input_value()) == 1.5
    assert float(page.locator("#slider-3 input[type=number]").first.input_value()) == -2.0
    page.screenshot(path=str(ARTIFACTS / "browser-shared-url.png"), full_page=True)


def test_a_link_that_cannot_be_shown_says_so_and_other_parameters_stay(page, app_url):
    page.goto(app_url + "/?class=NoSuchThing&seed=5&z=not-a-code&utm_source=mail&__theme=light")
    page.wait_for_selector("#image canvas")
    page.get_by_text("could not be used").first.wait_for()
    assert "NoSuchThing" in page.content()
    set_number(page, "seed", 6)
    page.wait_for_function("() => window.location.search.includes('seed=6')")
    query = page.evaluate("window.location.search")
    assert "utm_source=mail" in query and "__theme=light" in query


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


def test_the_live_image_comes_with_its_readout_in_one_request_per_update(page, app_url, tmp_path):
    open_generate(page, app_url)
    pixels = page.evaluate("""() => { const c = document.querySelector('#image canvas');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }""")
    assert page.evaluate("document.querySelector('#image canvas').width") == 28
    assert len(set(pixels[0::4])) > 5  # a picture, not a blank canvas
    rows = page.locator("#image .readout li").all_inner_texts()
    assert len(rows) == 3 and all("%" in row for row in rows)
    # The page's own first requests (strips, nearest images) are over before counting.
    wait_for_loaded_images(page, "#strips img")
    wait_for_loaded_images(page, "#nearest img")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    before = shown_image(page)
    set_number(page, "slider-1", -1.5)
    wait_for_new_image(page, before)
    until_drawn = list(requests)
    page.wait_for_timeout(300)
    # The image and its readout: one plain POST (no second one after it), no queue and no result file fetched
    # before it was drawn. (The strips and nearest images refresh afterwards, through the queue, once the change
    # settles; their files may come at any time.)
    assert [url for url in requests if "component_server" in url] == [f"{app_url}/gradio_api/component_server/"]
    assert not [url for url in until_drawn if "/file=" in url or "/queue/" in url]
    with page.expect_download() as download_info:
        page.locator("#image a.image-download").click()
    path = tmp_path / "image.png"
    download_info.value.save_as(path)
    from PIL import Image
    assert Image.open(path).size == (28 * 8, 28 * 8)  # enlarged without smoothing, in the page


DRAG_JS = """(value) => { const range = document.querySelector('#slider-2 input[type=range]');
    range.value = String(value); range.dispatchEvent(new Event('input', {bubbles: true})); }"""


def test_a_slider_drag_asks_once_for_the_image_of_its_new_value(page, app_url):
    open_generate(page, app_url)
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "component_server" in request.url else None)
    before = shown_image(page)
    page.evaluate(DRAG_JS, 2)  # what a dragging hand sends: the range's input event
    dragged = wait_for_new_image(page, before)
    page.wait_for_function("() => window.location.search.includes('s2=2')")  # Gradio's change event came too
    page.wait_for_timeout(300)
    assert len(requests) == 1  # the input event asked; the change event with the same values did not ask again
    set_number(page, "slider-2", 0)
    wait_for_new_image(page, dragged)
    set_number(page, "slider-2", 2)  # the same value through Gradio's own path draws the same image
    page.wait_for_function(f"(old) => ({CANVAS_PNG})() === old", arg=dragged)


def test_a_value_the_generator_cannot_take_is_named_in_the_view(page, app_url):
    open_generate(page, app_url)
    page.locator("#seed input").first.fill("")
    page.wait_for_function("() => document.querySelector('#image .view-status').textContent.includes('seed')")
    set_number(page, "seed", 3)  # and a good value brings the image back, without the message
    page.wait_for_function("() => document.querySelector('#image .view-status').textContent === ''")


@pytest.mark.parametrize("tab, selector", [("Generate", "#strips img"), ("Class grid", "#grid-table img"),
                                           ("Interpolate", "#animation img")])
def test_every_tab_shows_a_result_on_arrival_without_a_click(page, app_url, tab, selector):
    page.goto(app_url)
    page.get_by_role("tab", name=tab).click()
    wait_for_loaded_images(page, selector)
    assert page.locator(selector).first.get_attribute("src").startswith(("data:image/", "http"))
    if tab == "Generate":  # the live image too (a canvas: see above)
        page.wait_for_function("() => window.cganGenerate && window.cganGenerate.shown >= 1")


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
    from cgan.explorer.pictures import gif_frame_count

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
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme, has_touch=True)
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name="Instant").wait_for()
    page.wait_for_selector("#instant-app .instant-drawing[data-ready]", timeout=120_000)
    sketch = page.locator('#instant-app [data-role="sketch"]').bounding_box()
    assert sketch["x"] >= 0 and sketch["x"] + sketch["width"] <= 390 and sketch["width"] >= 200
    page.touchscreen.tap(sketch["x"] + sketch["width"] / 2, sketch["y"] + sketch["height"] / 2)  # a finger's dot
    page.wait_for_function("() => window.cganInstant.encoded > 0 && !window.cganInstant.error")
    for tab in ("Instant", "Generate", "Class grid", "Interpolate", "Project"):
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
