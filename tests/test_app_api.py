"""The app's named endpoints through gradio_client, including bad input."""
import numpy as np
import pytest
from gradio_client import Client
from PIL import Image

from cgan.explorer.pictures import gif_frame_count


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_generate_returns_the_image_first(client):
    image_path, label = client.predict(class_name="Dress", seed=7, api_name="/generate")
    with Image.open(image_path) as im:
        assert im.size[0] >= 28 * 4  # enlarged, nearest neighbour
    assert label["label"] in ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                              "Bag", "Ankle boot"]


def test_generate_is_deterministic_and_sliders_change_it(client):
    a, _ = client.predict(class_name="Bag", seed=3, api_name="/generate")
    b, _ = client.predict(class_name="Bag", seed=3, api_name="/generate")
    c, _ = client.predict(class_name="Bag", seed=3, direction_0=2.5, api_name="/generate")
    pixels = [np.asarray(Image.open(p)).tolist() for p in (a, b, c)]
    assert pixels[0] == pixels[1] and pixels[0] != pixels[2]


def test_generate_grid(client):
    path, _ = client.predict(class_name="Coat", seed=1, side=8, api_name="/generate")
    with Image.open(path) as im:
        assert im.size[0] > 8 * 28 * 4


def test_interpolate_returns_a_gif_with_the_requested_frames(client):
    gif, strip = client.predict(start_class="Sneaker", start_seed=1, end_class="Ankle boot", end_seed=2, steps=10,
                                api_name="/interpolate")
    assert gif_frame_count(open(gif, "rb").read()) == 10
    assert Image.open(strip).size[0] > 0


@pytest.mark.parametrize("kwargs, phrase", [
    # gradio's own checks answer some of these first; either way the message names what is allowed
    (dict(class_name="Hat", seed=1), r"Hat is not in the list of choices|unknown class"),
    (dict(class_name="Dress", seed=-1), r"seed must be|less than minimum value 0"),
    (dict(class_name="Dress", seed=2**32), r"seed must be|greater than maximum value 4294967295"),
    (dict(class_name="Dress", seed=1, direction_3=7.0), r"slider value|greater than maximum value 3"),
    (dict(class_name="Dress", seed=1, side=9), r"grid side|greater than maximum value 8"),
    # NaN cannot even be sent as JSON by the client; the server-side check is in test_explorer.py
])
def test_bad_generate_input_is_a_clear_error_and_the_server_goes_on(client, kwargs, phrase):
    with pytest.raises(Exception, match=phrase):
        client.predict(**kwargs, api_name="/generate")
    path, _ = client.predict(class_name="Dress", seed=1, api_name="/generate")  # still serving
    assert Image.open(path).size[0] > 0


@pytest.mark.parametrize("steps", [1, 65])
def test_bad_interpolation_steps_are_a_clear_error(client, steps):
    with pytest.raises(Exception, match=r"steps must be a whole number from 2 to 64|(less than minimum|greater than maximum) value"):
        client.predict(start_class="Dress", start_seed=1, end_class="Bag", end_seed=2, steps=steps,
                       api_name="/interpolate")


def test_nearest_returns_three_training_images_with_distances(client):
    gallery, verdict = client.predict(class_name="Sneaker", seed=4, api_name="/nearest")
    assert len(gallery) == 3
    distances = [float(item["caption"].split("·")[1]) for item in gallery]
    assert distances == sorted(distances) and distances[0] >= 0
    assert all(Image.open(item["image"]).size[0] >= 28 for item in gallery)
    assert "real test images" in verdict


def test_a_huge_class_name_is_not_echoed_back_whole(client):
    with pytest.raises(Exception) as error:
        client.predict(class_name="x" * 100_000, seed=1, api_name="/generate")
    assert len(str(error.value)) < 2_000


def test_a_wrongly_typed_value_gets_a_message_not_a_blank_error(app_url):
    import httpx

    event = httpx.post(f"{app_url}/gradio_api/call/generate",
                       json={"data": ["Dress", "seven", 1, 1.0, "Dress", 0.0] + [0.0] * 8}, timeout=30)
    event.raise_for_status()
    body = httpx.get(f"{app_url}/gradio_api/call/generate/{event.json()['event_id']}", timeout=30).text
    assert "event: error" in body
    message = body.split("event: error", 1)[1].split("data:", 1)[1].strip().splitlines()[0]
    assert message not in ("null", "", '{"error": null}'), body


def test_a_fractional_seed_is_rejected_not_rounded(client):
    with pytest.raises(Exception, match="seed must be a whole number"):
        client.predict(class_name="Dress", seed=3.5, api_name="/generate")
