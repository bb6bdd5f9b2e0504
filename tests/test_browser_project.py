"""The Project tab in Debian's headless Chromium: upload a photo, draw a garment, then take the projected latent to
the Generate, Interpolate and Instant tabs."""
import pytest
from PIL import Image, ImageDraw

from conftest import ARTIFACTS
from test_browser import CANVAS_PNG, shown_image, wait_for_new_image

pytestmark = pytest.mark.slow


def photo(path):
    image = Image.new("RGB", (360, 300), (240, 240, 235))
    ImageDraw.Draw(image).polygon([(60, 40), (180, 40), (170, 280), (130, 280), (120, 120), (110, 280), (70, 280)],
                                  fill=(50, 40, 60))
    image.save(path)
    return path


def open_project(page, url):
    page.goto(url)
    page.wait_for_function("() => window.cganInstant && (window.cganInstant.ready || window.cganInstant.error)",
                           timeout=120_000)
    page.get_by_role("tab", name="Project").click()


def projected_latent(page) -> str:
    page.wait_for_function("() => document.querySelector('#project-latent textarea, #project-latent input')"
                           "?.value.startsWith('z1.')", timeout=60_000)
    return page.locator("#project-latent textarea, #project-latent input").first.input_value()


def upload_and_project(page, tmp_path) -> str:
    page.locator("#project-upload input[type=file]").set_input_files(str(photo(tmp_path / "trousers.png")))
    latent = projected_latent(page)  # an upload is projected at once
    page.locator("#project-reconstruction img").wait_for()
    assert "Projected as" in page.locator("#project-summary").inner_text()
    return latent


def test_upload_a_photo_then_edit_it_in_the_generate_tab(page, app_url, tmp_path):
    open_project(page, app_url)
    latent = upload_and_project(page, tmp_path)
    page.locator("#project-seen img").wait_for()
    page.screenshot(path=str(ARTIFACTS / "browser-project.png"), full_page=True)
    page.locator("#project-to-generate").click()
    page.wait_for_selector("#image canvas")
    page.wait_for_function("(code) => document.querySelector('#latent input, #latent textarea')?.value === code",
                           arg=latent)
    page.wait_for_function("(code) => window.location.search.includes('z=' + code)", arg=latent)
    first = page.evaluate(f"() => ({CANVAS_PNG})()")
    box = page.locator("#slider-0 input[type=number]").first
    box.fill("2.5")
    box.press("Enter")
    assert wait_for_new_image(page, first) != first  # the slider moves the projected latent
    # The shared link carries the latent: opening it shows the same image.
    moved = shown_image(page)
    page.wait_for_function("() => window.location.search.includes('s0=2.5')")
    shared = page.evaluate("window.location.href")
    page.goto(shared)
    page.wait_for_selector("#image canvas")
    page.wait_for_function("(code) => document.querySelector('#latent input, #latent textarea')?.value === code",
                           arg=latent)
    page.wait_for_function(f"(old) => ({CANVAS_PNG})() === old", arg=moved, timeout=30_000)


def test_interpolate_from_a_projection_and_open_it_in_the_instant_tab(page, app_url, tmp_path):
    open_project(page, app_url)
    latent = upload_and_project(page, tmp_path)
    page.locator("#project-to-start").click()
    page.wait_for_function("(code) => document.querySelector('#start-latent input, #start-latent textarea')"
                           "?.value === code", arg=latent)
    page.locator("#animation-gif").wait_for()
    page.get_by_role("tab", name="Project").click()
    page.locator("#project-to-instant").click()
    page.wait_for_function("() => document.querySelector('#instant-app .instant-status').textContent"
                           ".includes('projected')", timeout=30_000)
    drawn = page.evaluate("window.cganInstant.drawn")
    slider = page.locator('#instant-app [data-role="direction"]').first
    slider.evaluate("(input) => { input.value = '1.5'; input.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_function("(n) => window.cganInstant.drawn > n && !window.cganInstant.error", arg=drawn)
    assert "projected" in page.locator("#instant-app .instant-status").inner_text()


def test_draw_a_stroke_and_project_the_drawing(page, app_url):
    open_project(page, app_url)
    page.get_by_role("tab", name="Draw").click()
    canvas = page.locator("#project-sketch canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for x, y in [(0.3, 0.85), (0.45, 0.85), (0.5, 0.4), (0.55, 0.85), (0.7, 0.85), (0.7, 0.15), (0.3, 0.15)]:
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=8)
    page.mouse.up()
    page.locator("#project-run-drawing").click()
    assert projected_latent(page).startswith("z1.")
    page.screenshot(path=str(ARTIFACTS / "browser-project-drawing.png"), full_page=True)


def test_an_example_garment_is_projected_on_click(page, app_url):
    open_project(page, app_url)
    examples = page.locator("#project-examples")
    examples.get_by_text("Examples").wait_for()
    examples.locator("img").first.click()
    assert projected_latent(page).startswith("z1.")
    page.locator("#project-reconstruction img").wait_for()
    assert "Projected as" in page.locator("#project-summary").inner_text()
