"""Every way into the server over raw HTTP: the page's server functions, calls by fn_index, forged queue ids, slow
bodies. Each bad call is a 4xx with its message and one log line; the log gets no traceback."""
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

from cgan.explorer.request_guard import BODY_TIMEOUT
from conftest import ARTIFACTS

LOG = ARTIFACTS / "app-server.log"


def call(url, method="GET", body=None, timeout=15):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@pytest.fixture(scope="module")
def app(app_url):
    config = json.loads(urllib.request.urlopen(app_url + "/config").read())
    functions = {c["props"]["server_fns"][0]: c["id"] for c in config["components"] if c.get("props", {}).get("server_fns")}
    indices = {d.get("api_name"): i for i, d in enumerate(config["dependencies"])}
    return {"url": app_url, "instant": functions["latent"], "view": functions["view"], "fn": indices}


@pytest.fixture()
def log_since():
    start = LOG.stat().st_size

    def read():
        time.sleep(0.3)
        return LOG.read_bytes()[start:].decode()  # a byte offset: the log holds non-ASCII messages (±, ×)
    return read


def server_function(app, name, data, component="instant", **extra):
    body = {"data": data, "component_id": app[component], "fn_name": name, "session_hash": "probe", **extra}
    return call(app["url"] + "/gradio_api/component_server/", "POST", body)


@pytest.mark.parametrize("name, data, extra, status, phrase", [
    ("latent", -1, {}, 400, "seed must be a whole number"),
    ("latent", 1.5, {}, 400, "got 1.5"),
    ("latent", None, {}, 400, "got None"),
    ("pixels", {"sliders": [0] * 9}, {}, 400, "pixels takes"),
    ("pixels", "x", {}, 400, "pixels takes"),
    ("latent", 3, {"extra": 1}, 400, "a server-function call takes"),
    ("refine", {"pixels": [0] * 784}, {}, 400, "refine takes an object with exactly"),
    ("refine", {"pixels": [0] * 783, "class_name": "Bag"}, {}, 400, "pixels must be a list of 784 values"),
    ("refine", {"pixels": [256] * 784, "class_name": "Bag"}, {}, 400, "whole numbers from 0 to 255"),
    ("refine", {"pixels": [0.5] * 784, "class_name": "Bag"}, {}, 400, "whole numbers from 0 to 255"),
    ("refine", {"pixels": [0] * 784, "class_name": "Robe"}, {}, 400, "Robe"),
    ("nope", 1, {}, 404, "no such server function"),
    ("view", {}, {"component_id": 99999}, 404, "no such server function"),
])
def test_bad_server_function_calls_are_4xx_with_one_log_line(app, log_since, name, data, extra, status, phrase):
    got, reply = server_function(app, name, data, **extra)
    assert (got, phrase in reply["detail"]) == (status, True), reply
    log = log_since()
    assert "Traceback" not in log and sum(line.startswith("rejected") for line in log.splitlines()) == 1


def test_a_good_server_function_call_still_answers(app):
    status, latent = server_function(app, "latent", 7)
    assert status == 200 and isinstance(latent, list) and len(latent) == 16
    square = [255 if 6 <= i % 28 < 22 and 4 <= i // 28 < 24 else 0 for i in range(784)]  # a bright block
    status, found = server_function(app, "refine", {"pixels": square, "class_name": "Bag"})
    assert status == 200 and found["latent"].startswith("z1.") and len(found["z"]) == 16, found
    assert 0 <= found["pixel_mse"] <= 1 and found["steps"] >= 1


def test_calls_by_fn_index_get_the_page_events_rules(app, log_since):
    url, fn = app["url"] + "/gradio_api/queue/join", app["fn"]
    interpolate_all = fn["interpolate_all"]
    assert call(url, "POST", {"data": [], "fn_index": 999, "session_hash": "x"})[0] == 404
    assert call(url, "POST", {"data": [], "fn_index": "1", "session_hash": "x"})[0] == 404
    js_only = next(i for name, i in fn.items() if name and name.startswith("js_fn"))
    status, reply = call(url, "POST", {"data": [1], "fn_index": js_only, "session_hash": "x"})
    assert status == 400 and "runs in the page only" in reply["detail"]
    good = ["Sneaker", 1, "Ankle boot", 2, 8, "spherical", False, "", ""]
    for i, bad, phrase in ((6, "yes", "Ping-pong must be true or false"), (4, 99, "Frames must be a number from 2 to 64"),
                           (5, "cubic", "Interpolation takes one of its choices"), (1, "7", "must be a number")):
        data = good[:i] + [bad] + good[i + 1:]
        status, reply = call(url, "POST", {"data": data, "fn_index": interpolate_all, "session_hash": "x"})
        assert status == 400 and phrase in reply["detail"], reply
    status, reply = call(url, "POST", {"data": good[:3], "fn_index": interpolate_all, "session_hash": "x"})
    assert status == 400 and "takes 9 values, got 3" in reply["detail"]
    status, reply = call(url, "POST", {"data": good, "fn_index": interpolate_all, "session_hash": "x"})
    assert status == 200 and "event_id" in reply
    # The sketchpad's images must be files uploaded to the app, not any path on the server.
    forged = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}
    for drawing in ({"background": None, "layers": [], "composite": forged}, {"layers": [forged]}, {"x": 1}, "a"):
        status, reply = call(url, "POST", {"data": [drawing, "auto"], "fn_index": fn["project_drawing"],
                                           "session_hash": "x"})
        assert status == 400 and ("uploaded to this app" in reply["detail"] or "sketchpad" in reply["detail"]), reply
    assert "Traceback" not in log_since()


def test_forged_queue_ids_are_404_without_a_traceback(app, log_since):
    for path in ("/gradio_api/queue/data?session_hash=bogus", "/gradio_api/call/generate/bogus",
                 "/gradio_api/queue/data"):
        status, reply = call(app["url"] + path)
        assert status == 404 and "no such" in reply["detail"]
    assert "Traceback" not in log_since()


def test_the_named_api_still_streams_its_result(app):
    status, reply = call(app["url"] + "/gradio_api/call/generate", "POST", {"data": ["Dress", 3]})
    assert status == 200
    with urllib.request.urlopen(app["url"] + f"/gradio_api/call/generate/{reply['event_id']}", timeout=30) as stream:
        assert b"event: complete" in stream.read()


def test_trickled_request_bodies_are_cut_off(app):
    host, port = urlparse(app["url"]).hostname, urlparse(app["url"]).port
    sockets = []
    for _ in range(20):
        s = socket.create_connection((host, port), timeout=BODY_TIMEOUT + 20)
        s.sendall(b"POST /gradio_api/queue/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"da")
        sockets.append(s)
    assert server_function(app, "latent", 1)[0] == 200  # the server answers meanwhile
    answers = [s.recv(200) for s in sockets]  # each waits at most BODY_TIMEOUT for the rest of its body
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:2]
    for s in sockets:
        s.close()
