"""A small in-memory stand-in for the Hugging Face Hub HTTP API, enough for huggingface_hub's client.

Covers whoami, repo creation (models and Spaces), branches, repo info, preupload (every file 'regular',
so contents come inline), NDJSON commits, paths-info/tree, resolve (GET and HEAD with X-Repo-Commit and
ETag), and a Space's variables and hardware requests. Model repos are keyed "USER/NAME" in `repos`,
Spaces "spaces/USER/NAME". Write calls and private repos need an Authorization header; `fail_with` makes every request
answer one HTTP status, to test error handling.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse


@dataclass
class Repo:
    private: bool = False
    branches: dict[str, str] = field(default_factory=dict)  # branch -> commit sha
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)  # sha -> {path: content}
    variables: dict[str, dict[str, str]] = field(default_factory=dict)  # a Space's: key -> {value, description}
    hardware: list[str] = field(default_factory=list)  # a Space's hardware requests, in order
    sdk: str | None = None

    def files(self, branch: str = "main") -> dict[str, bytes]:
        return self.commits[self.branches[branch]]


class HubState:
    """Repos, received requests (for assertions) and an optional forced failure status."""

    def __init__(self):
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.fail_with: int | None = None
        self.lock = threading.Lock()

    def new_repo(self, repo_id: str, private: bool = False, kind: str = "models") -> Repo:
        repo = Repo(private=private)
        sha = hashlib.sha1(f"init {repo_id}".encode()).hexdigest()
        repo.commits[sha] = {".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"}
        repo.branches["main"] = sha
        self.repos[repo_key(kind, repo_id)] = repo
        return repo


def repo_key(kind: str, repo_id: str) -> str:
    return repo_id if kind == "models" else f"{kind}/{repo_id}"


API = re.compile(r"^/api/(models|datasets|spaces)/(?P<repo>[^/]+/[^/]+)(?P<rest>/.*)?$")
RESOLVE = re.compile(r"^/(?:(?P<kind>spaces|datasets)/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$")


def make_handler(state: HubState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output quiet
            pass

        # -------------------------------------------------------------- plumbing
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, payload=None, *, headers: dict[str, str] | None = None, raw: bytes | None = None):
            data = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if raw is None else "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _error(self, status: int, message: str, code: str | None = None):
            headers = {"X-Error-Message": message}
            if code:
                headers["X-Error-Code"] = code
            self._send(status, {"error": message}, headers=headers)

        def _authorized(self) -> bool:
            return self.headers.get("Authorization", "").startswith("Bearer ")

        def _dispatch(self):
            body = self._body() if self.command in ("POST", "PUT") else b""
            path = unquote(urlparse(self.path).path)
            with state.lock:
                state.requests.append((self.command, path, dict(self.headers), body))
            if state.fail_with:
                return self._error(state.fail_with, f"stand-in forced {state.fail_with}")
            try:
                self._route(path, body)
            except Exception as e:  # a bug in the stand-in must show up as a 500, not a hang
                self._error(500, f"stand-in error: {e!r}")

        do_GET = do_POST = do_HEAD = do_PUT = _dispatch

        # -------------------------------------------------------------- routes
        def _route(self, path: str, body: bytes):
            if path == "/api/whoami-v2":
                if not self._authorized():
                    return self._error(401, "Invalid credentials in Authorization header")
                return self._send(200, {"type": "user", "name": "tester", "fullname": "Tester", "orgs": [],
                                        "auth": {"type": "access_token", "accessToken": {"role": "write"}}})
            if path == "/api/repos/create" and self.command == "POST":
                if not self._authorized():
                    return self._error(401, "Invalid credentials in Authorization header")
                data = json.loads(body or b"{}")
                repo_id = f"{data.get('organization') or 'tester'}/{data['name']}"
                kind = (data.get("type") or "model") + "s"
                url = f"http://{self.headers['Host']}/{'' if kind == 'models' else kind + '/'}{repo_id}"
                if repo_key(kind, repo_id) in state.repos:
                    return self._send(409, {"error": "You already created this repo", "url": url},
                                      headers={"X-Error-Message": "You already created this repo"})
                state.new_repo(repo_id, private=bool(data.get("private")), kind=kind).sdk = data.get("sdk")
                return self._send(200, {"url": url, "name": repo_id})
            if path == "/api/validate-yaml" and self.command == "POST":
                content = json.loads(body).get("content", "")
                if not re.match(r"^---\n.*?\n---\n", content, re.S):
                    return self._send(400, {"errors": [{"message": "no YAML metadata block"}], "warnings": []})
                return self._send(200, {"errors": [], "warnings": []})
            if path == "/api/agent-harnesses":  # the client's agent registry: an empty one
                return self._send(200, {"standardEnvVars": [], "harnesses": []})
            if m := RESOLVE.match(path):
                return self._resolve(repo_key(m["kind"] or "models", m["repo"]), m["rev"], m["path"])
            if m := API.match(path):
                return self._api(m[1], m["repo"], m["rest"] or "", body)
            return self._error(404, f"stand-in has no route for {self.command} {path}")

        def _repo(self, repo_id: str) -> Repo | None:
            repo = state.repos.get(repo_id)
            if repo is None or (repo.private and not self._authorized()):
                self._error(404, "Repository not found", "RepoNotFound")
                return None
            return repo

        def _commit(self, repo: Repo, rev: str) -> str | None:
            sha = repo.branches.get(rev, rev if rev in repo.commits else None)
            if sha is None:
                self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            return sha

        def _api(self, kind: str, repo_id: str, rest: str, body: bytes):
            repo = self._repo(repo_key(kind, repo_id))
            if repo is None:
                return
            writing = self.command == "POST" and not rest.startswith("/paths-info")
            if writing and not self._authorized():
                return self._error(401, "Invalid credentials in Authorization header")
            if rest == "" or rest.startswith("/revision/"):
                rev = rest.removeprefix("/revision/") or "main"
                sha = self._commit(repo, rev)
                if sha is None:
                    return
                files = repo.commits[sha]
                return self._send(200, {"id": repo_id, "modelId": repo_id, "sha": sha, "private": repo.private,
                                        "siblings": [{"rfilename": p} for p in sorted(files)], "tags": [],
                                        "lastModified": "2026-01-01T00:00:00.000Z"})
            if kind == "spaces" and rest == "/variables":
                if self.command == "POST":
                    item = json.loads(body)
                    repo.variables[item["key"]] = {"value": item["value"], "description": item.get("description"),
                                                   "updatedAt": "2026-01-01T00:00:00.000Z"}
                return self._send(200, repo.variables)
            if kind == "spaces" and rest == "/hardware" and self.command == "POST":
                repo.hardware.append(json.loads(body)["flavor"])
                return self._send(200, {"stage": "BUILDING", "hardware": {"current": None, "requested": repo.hardware[-1]}})
            if m := re.match(r"^/preupload/(.+)$", rest):
                files = json.loads(body)["files"]
                return self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                                   "oid": None} for f in files], "commitOid": repo.branches.get(m[1])})
            if m := re.match(r"^/commit/(.+)$", rest):
                return self._apply_commit(repo_id, repo, m[1], body)
            if m := re.match(r"^/branch/(.+)$", rest):
                if m[1] in repo.branches:
                    return self._error(409, "Reference already exists")
                base = json.loads(body or b"{}").get("startingPoint") or "main"
                sha = self._commit(repo, base)
                if sha is None:
                    return
                repo.branches[m[1]] = sha
                return self._send(200, {})
            if m := re.match(r"^/(paths-info|tree)/([^/]+)(/.*)?$", rest):
                sha = self._commit(repo, m[2])
                if sha is None:
                    return
                files = repo.commits[sha]
                if m[1] == "paths-info":
                    wanted = _form_paths(body, self.headers.get("Content-Type", ""))
                    names = [p for p in wanted if p in files]
                else:
                    names = sorted(files)
                return self._send(200, [{"type": "file", "path": p, "size": len(files[p]),
                                         "oid": hashlib.sha1(files[p]).hexdigest()} for p in names])
            return self._error(404, f"stand-in has no route for {self.command} {rest}")

        def _apply_commit(self, repo_id: str, repo: Repo, rev: str, body: bytes):
            sha = self._commit(repo, rev)
            if sha is None:
                return
            files = dict(repo.commits[sha])
            summary = ""
            for line in body.decode().splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                key, value = item["key"], item["value"]
                if key == "header":
                    summary = value.get("summary", "")
                elif key == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                elif key == "deletedFile":
                    files.pop(value["path"], None)
                elif key == "lfsFile":
                    return self._error(400, "stand-in accepts regular uploads only")
            new_sha = hashlib.sha1((sha + summary + str(sorted((p, hashlib.sha1(c).hexdigest())
                                                              for p, c in files.items()))).encode()).hexdigest()
            repo.commits[new_sha] = files
            repo.branches[rev if rev in repo.branches else "main"] = new_sha
            url = f"http://{self.headers['Host']}/{repo_id}/commit/{new_sha}"
            return self._send(200, {"success": True, "commitOid": new_sha, "commitUrl": url})

        def _resolve(self, repo_id: str, rev: str, path: str):
            repo = self._repo(repo_id)
            if repo is None:
                return
            sha = self._commit(repo, rev)
            if sha is None:
                return
            content = repo.commits[sha].get(path)
            if content is None:
                return self._error(404, "Entry not found", "EntryNotFound")
            etag = '"' + hashlib.sha256(content).hexdigest() + '"'
            return self._send(200, raw=content, headers={"X-Repo-Commit": sha, "ETag": etag})

    return Handler


def _form_paths(body: bytes, content_type: str) -> list[str]:
    """paths-info sends paths as a form (paths=a&paths=b) or JSON; accept both."""
    from urllib.parse import parse_qs

    if "json" in content_type:
        return list(json.loads(body).get("paths", []))
    return parse_qs(body.decode()).get("paths", [])


class HubStandIn:
    """Start with `start()` on 127.0.0.1 (a free port unless given); `stop()` shuts it down."""

    def __init__(self, port: int = 0):
        self.state = HubState()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(self.state))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "HubStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
