"""Projection: uploads read safely and normalised, latent codes, the projector, and the /project API."""
import base64

import httpx
import numpy as np
import pytest
import torch
from gradio_client import Client, handle_file
from PIL import Image, ImageDraw

from cgan.data import load_dataset
from cgan.evaluation.classifier import evaluator_for
from cgan.explorer import latent_code
from cgan.explorer.inference import Explorer
from cgan.explorer.projection import TIME_LIMIT, Projector
from cgan.explorer.uploads import MAX_BYTES, model_view, read_image
from cgan.export import load_generator
from cgan.sampling import latents_for_seeds
from conftest import ARTIFACTS, ROOT


def garment_photo(path, *, size=(400, 300), mode="RGB", background=(245, 245, 240)):
    """A dark trouser-like shape on a light background, off centre, as a photo of clothing would be."""
    image = Image.new(mode, size, background if mode == "RGB" else background + (0,) if mode == "RGBA" else 245)
    draw = ImageDraw.Draw(image)
    ink = (40, 40, 60) if mode == "RGB" else (40, 40, 60, 255)
    draw.polygon([(60, 40), (180, 40), (170, 280), (130, 280), (120, 120), (110, 280), (70, 280)], fill=ink)
    image.save(path)
    return path


# ---------------------------------------------------------------- reading and normalising uploads

def test_a_photo_on_white_becomes_a_bright_centred_garment_on_black(tmp_path):
    view = model_view(read_image(garment_photo(tmp_path / "photo.jpg")), size=28, channels=1)
    assert view.shape == (28, 28) and view.dtype == np.uint8
    assert view.max() == 255 and view[:, 0].max() <= 10 and view[:, -1].max() <= 10  # bright garment on black
    rows = np.nonzero(view.max(1) > 25)[0]
    assert rows.min() <= 1 and rows.max() >= 26  # the longer side (height) fills the frame
    cols = np.nonzero(view.max(0) > 25)[0]
    assert abs((cols.min() + cols.max()) / 2 - 13.5) <= 1.5  # centred across


def test_a_transparent_png_counts_its_transparent_pixels_as_background(tmp_path):
    opaque = model_view(read_image(garment_photo(tmp_path / "a.png")), size=28, channels=1)
    clear = model_view(read_image(garment_photo(tmp_path / "b.png", mode="RGBA", background=(0, 0, 0))), size=28,
                       channels=1)
    assert np.abs(opaque.astype(int) - clear.astype(int)).mean() < 8


def test_a_sketch_on_a_transparent_canvas_is_bright_strokes_on_black_even_at_the_edges():
    sketch = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(sketch).rectangle([0, 0, 279, 279], outline=(0, 0, 0, 255), width=20)  # strokes along the edge
    view = model_view(sketch, size=28, channels=1)
    assert view[0].min() == 255 and view[14, 6:22].max() == 0


def test_a_dark_background_is_kept_and_colour_models_keep_colour(tmp_path):
    path = tmp_path / "dark.png"
    Image.fromarray((255 - np.asarray(Image.open(garment_photo(tmp_path / "p.png")).convert("L")))).save(path)
    view = model_view(read_image(path), size=28, channels=1)
    assert view[:, 0].max() <= 10 and view.max() == 255
    colour = model_view(read_image(garment_photo(tmp_path / "c.png", background=(200, 30, 30))), size=32, channels=3)
    assert colour.shape == (32, 32, 3) and tuple(colour[0, 0]) == (200, 30, 30)


@pytest.mark.parametrize("make, phrase", [
    (lambda p: p.write_bytes(b"%PDF-1.4 not an image"), "not an image this app reads"),
    (lambda p: p.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>"), "not an image this app reads"),
    (lambda p: Image.new("L", (64, 64)).save(p, "GIF"), "not an image this app reads"),
    (lambda p: Image.new("1", (9000, 5000)).save(p, "PNG"), "9000x5000 pixels; the limit is 16.8 megapixels"),
    (lambda p: p.write_bytes(_png_bytes(p)[:200]), "damaged"),
    (lambda p: Image.new("L", (1, 1), 128).save(p, "PNG"), "blank"),
    (lambda p: Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(p, "PNG"), "blank"),
    (lambda p: None, "no longer on the server"),  # pruned from the file cache while it waited in the queue
])
def test_bad_uploads_get_a_message(tmp_path, make, phrase):
    path = tmp_path / "upload"
    make(path)
    with pytest.raises(ValueError, match=phrase):
        model_view(read_image(path), size=28, channels=1)


def test_a_tiny_file_of_huge_pixel_counts_is_refused_or_decoded_small(tmp_path):
    png = tmp_path / "bomb.png"
    Image.new("L", (6300, 6300), 255).save(png, optimize=True)  # about 40 KB of zeros
    assert png.stat().st_size < 100_000
    with pytest.raises(ValueError, match="6300x6300 pixels"):
        read_image(png)
    jpeg = tmp_path / "big.jpg"
    photo = Image.new("RGB", (4000, 4000), (245, 245, 240))
    ImageDraw.Draw(photo).rectangle([1200, 800, 2800, 3200], fill=(40, 40, 60))
    photo.save(jpeg, quality=30)
    image = read_image(jpeg)  # decoded at a reduced scale, then kept small: the model view's arrays stay small
    assert max(image.size) <= 1024
    view = model_view(image, size=28, channels=1)
    assert view.max() == 255 and view[:, 0].max() <= 10


def test_a_16_bit_greyscale_upload_keeps_its_levels(tmp_path):
    eight = tmp_path / "eight.png"
    Image.open(garment_photo(tmp_path / "photo.png")).convert("L").save(eight)
    levels = np.asarray(Image.open(eight)).astype(np.uint16) * 257
    deep = tmp_path / "deep.png"
    Image.fromarray(levels).save(deep)
    assert Image.open(deep).mode.startswith("I")
    view = model_view(read_image(deep), size=28, channels=1)  # not clipped to white, so not blank
    expected = model_view(read_image(eight), size=28, channels=1)
    assert np.abs(view.astype(int) - expected.astype(int)).max() <= 2


def test_a_white_garment_on_a_transparent_background_is_not_blank(tmp_path):
    cut_out = Image.new("RGBA", (200, 300), (0, 0, 0, 0))
    ImageDraw.Draw(cut_out).rectangle([50, 20, 150, 280], fill=(255, 255, 255, 255))
    path = tmp_path / "white.png"
    cut_out.save(path)
    view = model_view(read_image(path), size=28, channels=1)
    assert view[14, 14] == 255 and view[:, 0].max() <= 10  # bright garment on black


def _png_bytes(path):
    garment_photo(path.with_suffix(".png"))
    return path.with_suffix(".png").read_bytes()


def test_an_upload_over_the_byte_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.png"
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(ValueError, match="the limit is 10 MB"):
        read_image(path)


# ---------------------------------------------------------------- latent codes

def test_a_latent_code_round_trips_to_float16_precision():
    z = torch.randn(64)
    code = latent_code.encode(z)
    assert code.startswith("z1.") and len(code) < 180
    assert torch.allclose(latent_code.decode(code, 64), z, atol=4e-3)
    with pytest.raises(ValueError, match="and 16 values, as the Project tab gives"):
        latent_code.decode(code, 16)  # far too long: refused before decoding
    with pytest.raises(ValueError, match="holds 40 bytes, not 32"):
        latent_code.decode(latent_code.encode(torch.zeros(20)), 16)


# ---------------------------------------------------------------- the projector on the shipped weights

@pytest.fixture(scope="module")
def shipped():
    generator = load_generator(ROOT / "weights")
    classifier, _ = evaluator_for(ROOT / "weights", generator.config.class_names)
    return Explorer.create(generator, classifier=classifier)


def test_projection_beats_the_best_of_many_seeds_within_its_time_limit(shipped):
    pixels, labels = _test_images()  # images the generator never saw
    projector = shipped.projector
    for class_index in (1, 3, 9):  # trouser, dress, ankle boot
        target = pixels[np.nonzero(labels == class_index)[0][0]]
        found = projector.project(target, class_index)
        z = latents_for_seeds(range(5000, 5256), projector.config.z_dim)
        with torch.no_grad():
            drawn = projector.draw(z, class_index)
        seed_mse = (((drawn + 1) / 2 - torch.from_numpy(target).float() / 255) ** 2).flatten(1).mean(1).min()
        assert found.pixel_mse < 0.7 * float(seed_mse), (class_index, found.pixel_mse, float(seed_mse))
        assert found.seconds <= TIME_LIMIT + 1.0 and found.steps >= 1
        assert found.z.abs().max() <= 4.0
        # The explorer draws the projected latent as the projector did (float16 code aside).
        again = shipped.generate(shipped.class_names[class_index], 0, latent=latent_code.encode(found.z))[0]
        assert close(again, found.reconstruction)


def _test_images():
    test = load_dataset("fashion-mnist", train=False)
    return test.pixels(), np.asarray(test.labels)


def test_the_suggested_class_is_the_evaluation_networks(shipped):
    pixels, labels = _test_images()
    hits = [shipped.projector.suggest_class(pixels[i]) == labels[i] for i in range(20)]
    assert sum(hits) >= 16
    without = Projector(shipped.generator)  # no evaluation network: the class whose random starts fit best
    assert without.suggest_class(pixels[np.nonzero(labels == 1)[0][0]]) == 1


def close(a, b) -> bool:
    """Equal up to the float16 rounding of a latent code (a few grey levels)."""
    return np.abs(a.astype(int) - b.astype(int)).max() <= 3


def test_a_projected_latent_is_a_starting_point_for_every_view(shipped):
    code = latent_code.encode(latents_for_seeds([77], 64)[0])
    assert close(shipped.generate("Bag", 3, latent=code)[0], shipped.generate("Bag", 77)[0])
    grid = shipped.generate("Bag", 3, side=2, latent=code)
    assert np.array_equal(grid[1], shipped.generate("Bag", 4)[0])  # the other cells keep their seeds
    assert close(shipped.class_grid(3, columns=2, latent=code)[0], shipped.generate("T-shirt/top", 77)[0])
    frames = shipped.interpolate("Bag", 1, "Dress", 2, steps=3, start_latent=code)
    assert close(frames[0], shipped.generate("Bag", 77)[0])
    strips = shipped.direction_strips("Bag", 3, latent=code)
    assert close(strips[3], shipped.generate("Bag", 77)[0])  # direction 1 at 0: the image itself
    assert not close(shipped.generate("Dress", 3, latent=code)[0], shipped.generate("Bag", 77)[0])  # class swap


# ---------------------------------------------------------------- the /project API

@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_the_api_projects_a_photo_and_its_latent_works_elsewhere(client, tmp_path):
    seen, reconstruction, code, class_name, summary = client.predict(
        handle_file(str(garment_photo(tmp_path / "photo.jpg"))), "Trouser", api_name="/project")
    assert class_name == "Trouser" and "Pixel error" in summary
    assert Image.open(seen).size == Image.open(reconstruction).size
    assert latent_code.decode(code, 16).shape == (16,)
    image, _ = client.predict("Dress", 0, latent=code, api_name="/generate")
    plain, _ = client.predict("Dress", 0, api_name="/generate")
    assert np.asarray(Image.open(image)).tolist() != np.asarray(Image.open(plain)).tolist()
    gif, strip = client.predict("Dress", 1, "Bag", 2, 4, "linear", False, code, "", api_name="/interpolate")
    assert Image.open(strip).width > Image.open(strip).height
    *_, suggested, _ = client.predict(handle_file(str(garment_photo(tmp_path / "again.png", mode="RGBA",
                                                                      background=(0, 0, 0)))), api_name="/project")
    assert suggested in ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                         "Ankle boot"]


@pytest.mark.parametrize("make, phrase", [
    (lambda p: p.write_text("just text"), "not an image this app reads"),
    (lambda p: Image.new("1", (8000, 8000)).save(p, "PNG"), "the limit is 16.8 megapixels"),
    (lambda p: Image.new("L", (1, 1), 200).save(p, "PNG"), "blank"),
    (lambda p: Image.new("RGBA", (64, 64), (255, 0, 0, 0)).save(p, "PNG"), "blank"),
])
def test_the_api_answers_bad_images_with_a_message(client, tmp_path, make, phrase):
    path = tmp_path / "upload.png"
    make(path)
    with pytest.raises(Exception, match=phrase):
        client.predict(handle_file(str(path)), "auto", api_name="/project")
    with pytest.raises(Exception, match="unknown class 'Hat'"):
        client.predict(handle_file(str(garment_photo(tmp_path / "ok.png"))), "Hat", api_name="/project")


@pytest.mark.parametrize("data", [
    [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, "auto"],  # a file the app did not receive
    ["/etc/passwd", "auto"],
    [123, "auto"],
    [None, "auto"],
    [[], "auto"],
])
def test_the_api_refuses_anything_but_an_upload_of_its_own(app_url, data):
    answer = httpx.post(f"{app_url}/gradio_api/call/project", timeout=30, json={"data": data})
    if answer.status_code == 200:  # refused inside the queue: an error event with a message
        event = answer.json()["event_id"]
        text = httpx.get(f"{app_url}/gradio_api/call/project/{event}", timeout=30).text
        assert "event: error" in text and "root:" not in text, text
    else:
        assert answer.status_code in (400, 403, 404, 422), answer.text
    assert "Traceback" not in (ARTIFACTS / "app-server.log").read_text()


def test_an_upload_over_the_limit_gets_413(app_url):
    big = base64.b64encode(np.random.default_rng(0).bytes(MAX_BYTES)).decode()  # ~13 MB
    answer = httpx.post(f"{app_url}/gradio_api/upload", timeout=60, files={"files": ("big.png", big.encode())})
    assert answer.status_code == 413 and "larger than" in answer.text
