"""Every public endpoint against malformed requests, raw over REST and through gradio_client.

Each row: endpoint, the request's values (positional, as the API lists them), and a phrase of the message
that must come back. After each rejection the server must still answer a good request, and the server log
must hold one line per rejection and no traceback.
"""
import base64
import json

import httpx
import pytest
from gradio_client import Client

from conftest import ARTIFACTS

DIRECTIONS = [0.0] * 8
GOOD = {
    "generate": ["Dress", 7, 1, 1.0, "", 0.0, *DIRECTIONS],
    "interpolate": ["Dress", 1, "Bag", 2, 4, "spherical", False],
    "class_grid": [7, 1.0, *DIRECTIONS],
    "nearest": ["Dress", 7, 1.0, "", 0.0, *DIRECTIONS],
}
NAN_LATENT = "z1." + base64.urlsafe_b64encode(b"\x00\x7e" * 16).decode().rstrip("=")  # 16 float16 NaNs
FILE_DATA = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}


def with_value(endpoint: str, index: int, value) -> list:
    data = list(GOOD[endpoint])
    data[index] = value
    return data


SEED = "seed must be a whole number from 0 to 4294967295"
CASES = [
    # /generate: class_name, seed, side, truncation, mix_class, mix_weight, direction_0..7
    ("generate", with_value("generate", 1, "7"), SEED),
    ("generate", with_value("generate", 1, [7]), SEED),
    ("generate", with_value("generate", 1, True), SEED),
    ("generate", with_value("generate", 1, None), SEED),
    ("generate", with_value("generate", 1, 3.5), SEED),
    ("generate", with_value("generate", 1, "NaN"), SEED),
    ("generate", with_value("generate", 1, -1), SEED),
    ("generate", with_value("generate", 1, 2**32), SEED),
    ("generate", with_value("generate", 2, None), "grid side must be a whole number from 1 to 8"),
    ("generate", with_value("generate", 2, 9), "grid side must be a whole number from 1 to 8"),
    ("generate", with_value("generate", 3, None), "truncation must be a number from 0 to 2"),
    ("generate", with_value("generate", 3, "1"), "truncation must be a number from 0 to 2"),
    ("generate", with_value("generate", 0, "Hat"), "unknown class 'Hat'; choose one of"),
    ("generate", with_value("generate", 0, 5), "unknown class 5"),
    ("generate", with_value("generate", 0, "x" * 100_000), "(100002 characters)"),
    ("generate", with_value("generate", 4, 3), 'mix_class must be a class name or "" (none)'),
    ("generate", with_value("generate", 4, FILE_DATA), "mix_class takes a plain value, not a JSON object"),
    ("generate", with_value("generate", 5, 2), "mix weight must be a number from 0 to 1"),
    ("generate", with_value("generate", 9, "NaN"), "each slider value must be a number from -3 to 3"),
    ("generate", with_value("generate", 9, 7), "each slider value must be a number from -3 to 3"),
    ("generate", GOOD["generate"] + ["", 0.0], "/generate takes at most 15 values"),
    # ... then latent: a code from /project, or "" for the seed's latent
    ("generate", GOOD["generate"] + [0.0], "latent must be a latent code"),
    ("generate", GOOD["generate"] + ["z1.AAAA"], "this one holds 3 bytes, not 32"),
    ("generate", GOOD["generate"] + [NAN_LATENT], "latent values must be finite"),
    ("generate", GOOD["generate"] + ["z1.!!!!"], "not valid base64"),
    ("generate", [], "/generate needs class_name, seed"),
    # /interpolate: start_class, start_seed, end_class, end_seed, steps, mode, ping_pong
    ("interpolate", with_value("interpolate", 6, "false"), "ping_pong must be true or false"),
    ("interpolate", with_value("interpolate", 6, 1), "ping_pong must be true or false"),
    ("interpolate", with_value("interpolate", 4, 1), "steps must be a whole number from 2 to 64"),
    ("interpolate", with_value("interpolate", 4, 2.5), "steps must be a whole number from 2 to 64"),
    ("interpolate", with_value("interpolate", 4, None), "steps must be a whole number from 2 to 64"),
    ("interpolate", with_value("interpolate", 5, "cubic"), "unknown interpolation mode 'cubic'"),
    ("interpolate", with_value("interpolate", 3, True), SEED),
    ("interpolate", with_value("interpolate", 2, None), "unknown class None"),
    ("interpolate", GOOD["interpolate"] + ["", "", "extra"], "/interpolate takes at most 9 values"),
    ("interpolate", GOOD["interpolate"] + ["seed 3"], "latent must be a latent code"),
    ("interpolate", GOOD["interpolate"] + ["", None], "latent must be a latent code"),
    # /class_grid: seed, truncation, direction_0..7
    ("class_grid", with_value("class_grid", 0, "x"), SEED),
    ("class_grid", with_value("class_grid", 1, 3), "truncation must be a number from 0 to 2"),
    ("class_grid", with_value("class_grid", 2, [1]), "each slider value must be a number"),
    ("class_grid", GOOD["class_grid"] + ["", 2], "/class_grid takes at most 11 values"),
    ("class_grid", GOOD["class_grid"] + [[0.5] * 16], "latent must be a latent code"),
    # /nearest: class_name, seed, truncation, mix_class, mix_weight, direction_0..7
    ("nearest", with_value("nearest", 1, None), SEED),
    ("nearest", with_value("nearest", 0, "Hat"), "unknown class 'Hat'"),
    ("nearest", with_value("nearest", 3, 3), "mix_class must be"),
    ("nearest", with_value("nearest", 4, -0.5), "mix weight must be a number from 0 to 1"),
]
IDS = [f"{endpoint}-{i}" for i, (endpoint, _, _) in enumerate(CASES)]


def rest_call(url: str, endpoint: str, data: list) -> tuple[str, str]:
    """POST the values, read the event stream: ("complete" or "error", the data line)."""
    posted = httpx.post(f"{url}/gradio_api/call/{endpoint}", json={"data": data}, timeout=30)
    posted.raise_for_status()
    body = httpx.get(f"{url}/gradio_api/call/{endpoint}/{posted.json()['event_id']}", timeout=60).text
    kind = "error" if "event: error" in body else "complete"
    data_line = body.split(f"event: {kind}", 1)[1].split("data:", 1)[1].strip().splitlines()[0]
    if kind == "error":
        return kind, json.loads(data_line)["error"]
    return kind, data_line


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


@pytest.mark.parametrize("endpoint, data, phrase", CASES, ids=IDS)
def test_raw_rest_gets_a_message(app_url, endpoint, data, phrase):
    kind, message = rest_call(app_url, endpoint, data)
    assert kind == "error", message
    assert phrase in message, message
    assert 0 < len(message) < 1_000
    assert rest_call(app_url, endpoint, GOOD[endpoint])[0] == "complete"  # still serving


CLIENT_CASES = [(e, d, p) for e, d, p in CASES if len(d) == len(GOOD[e]) and d[4 if e != "class_grid" else 0] != FILE_DATA]


@pytest.mark.parametrize("endpoint, data, phrase", CLIENT_CASES,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(CLIENT_CASES)])
def test_gradio_client_gets_the_same_message(client, endpoint, data, phrase):
    with pytest.raises(Exception) as error:
        client.predict(*data, api_name=f"/{endpoint}")
    assert phrase in str(error.value), str(error.value)


def test_missing_trailing_values_take_their_defaults_over_rest(app_url):
    assert rest_call(app_url, "generate", ["Dress", 7])[0] == "complete"  # the README's two-argument call
    assert rest_call(app_url, "interpolate", ["Dress", 1, "Bag", 2])[0] == "complete"
    assert rest_call(app_url, "class_grid", [3])[0] == "complete"


def test_rejections_log_one_line_each_and_no_traceback(app_url):
    rest_call(app_url, "generate", with_value("generate", 1, "seven-for-the-log"))
    log = (ARTIFACTS / "app-server.log").read_text()
    assert "Traceback" not in log
    lines = [line for line in log.splitlines() if "seven-for-the-log" in line]
    assert len(lines) == 1 and lines[0].startswith("rejected generate: seed must be"), lines


def view_call(url: str, data) -> dict:
    """The Generate tab's live path: the `view` server function, over the same POST the page makes."""
    config = httpx.get(f"{url}/config", timeout=30).json()
    component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "image")
    answer = httpx.post(f"{url}/gradio_api/component_server/", timeout=30,
                        json={"data": data, "fn_name": "view", "component_id": component, "session_hash": "tests"})
    answer.raise_for_status()
    return answer.json()


GOOD_VIEW = {"class_name": "Dress", "seed": 3, "side": 2, "truncation": 1.0, "mix_class": "Bag", "mix_weight": 0.25,
             **{f"direction_{i}": v for i, v in enumerate([0.5, 0, 0, 0, 0, 0, 0, -1])}, "latent": ""}


def test_the_live_view_returns_pixels_and_the_top_classes(app_url):
    answer = view_call(app_url, GOOD_VIEW)
    assert (answer["width"], answer["height"]) == (2 * 28 + 3, 2 * 28 + 3)  # a 2x2 grid, 1-pixel border and gaps
    assert len(base64.b64decode(answer["rgba"])) == answer["width"] * answer["height"] * 4
    assert len(answer["top"]) == 3 and abs(sum(p for _, p in answer["top"]) - 1) <= 1 and answer["top"][0][1] >= answer["top"][1][1]
    assert answer["name"] == "Dress-seed-3"


@pytest.mark.parametrize("data, phrase", [
    ({**GOOD_VIEW, "seed": "7"}, "seed"),
    ({**GOOD_VIEW, "seed": None}, "seed"),
    ({**GOOD_VIEW, "side": 9}, "grid side"),
    ({**GOOD_VIEW, "truncation": 1e9}, "truncation"),
    ({**GOOD_VIEW, "class_name": "Hat"}, "Hat"),
    ({**GOOD_VIEW, "mix_class": 3}, "mix_class"),
    ({**GOOD_VIEW, "direction_3": 9.0}, "slider"),
    ({key: v for key, v in GOOD_VIEW.items() if key != "direction_7"}, "view takes"),
    ({**GOOD_VIEW, "latent": "z1.AAAA"}, "latent must be"),
    ({**GOOD_VIEW, "extra": 1}, "view takes"),
    ([1, 2, 3], "view takes"),
    ("Dress", "view takes"),
])
def test_the_live_view_names_what_is_wrong(app_url, data, phrase):
    answer = view_call(app_url, data)
    assert set(answer) == {"error"} and phrase in answer["error"], answer
    assert "rgba" in view_call(app_url, GOOD_VIEW)  # still serving
