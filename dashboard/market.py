"""The bounty market page's routes: what the CLI computes in Python, computed by the same bindings
for the page (contracts/bindings/market.py, market_data.py). They split a dataset, read predictions,
salt, commit, score and keep the secrets in the CLI's secret store ($SUMCHAIN_MARKET_HOME, else
./.sumchain-market) and the published files in its content store ($SUMCHAIN_CONTENT, else
./.sumchain-content), so `sumchain market reveal` works after the page created a request. They send
no transaction: the page's wallet signs. The POSTs take JSON only, from the page's own origin, and from this machine only: the stores are
its user's, so a dashboard served on another interface (--host) still keeps the secrets to it."""
from __future__ import annotations

import base64
import binascii
import inspect
import re
from dataclasses import asdict
from secrets import token_bytes
from typing import Any, Awaitable, Callable

from aiohttp import web

from contracts.bindings.content import ContentStore
from contracts.bindings.contract import checksum
from contracts.bindings.errors import SumError
from contracts.bindings.market import DEV_CHAINS, FINAL_STATES, RETURN_TIMESTAMP, STATES, SecretStore, Windows
from contracts.bindings.market_data import DEFAULT_LABEL_COLUMN, classes_of, read_predictions, score, split_dataset

from rpc.hosts import is_loopback

from .proxy import refusal

SECRET_KINDS = ("labels", "predictions")
_BYTES32 = re.compile(r"0x[0-9a-fA-F]{64}")
_TEST_FRACTION = inspect.signature(split_dataset).parameters["test_fraction"].default  # the CLI's too
Handler = Callable[[dict[str, Any]], dict[str, Any]]


def install(app: web.Application) -> None:
    app.router.add_get("/api/market/config", _config)
    app.router.add_get("/api/content/{address}", _content)
    for name, handler in (("request", prepare_request), ("submission", prepare_submission),
                          ("secret", secret), ("score", claim_score)):
        app.router.add_post(f"/api/market/{name}", _json_post(handler))


class BadField(SumError):
    """A field of the page's request that is missing or of the wrong kind."""


def _json_post(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A JSON POST from the page: a SumError is a 400 whose message the page shows."""
    async def route(request: web.Request) -> web.Response:
        refused = refusal(request)
        if refused is not None:
            return refused
        if not is_loopback(request.remote or ""):
            return web.Response(status=403, text="the market's stores are this machine's: ask from it (127.0.0.1)\n")
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise BadField("a JSON object expected")
            return web.json_response(handler(body))
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        except SumError as error:
            return web.json_response({"error": str(error)}, status=400)
    return route


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadField(f"{name}: {kind.__name__} expected, got {value!r}")
    return value


def _whole(body: dict[str, Any], name: str) -> int:
    value = _field(body, name, int)
    if value < 0:
        raise BadField(f"{name}: a whole number >= 0 expected, got {value}")
    return value


def _file(body: dict[str, Any], name: str) -> bytes:
    try:
        return base64.b64decode(_field(body, name, str), validate=True)
    except binascii.Error:
        raise BadField(f"{name}: base64 expected") from None


def _bytes32(body: dict[str, Any], name: str) -> str:
    value = _field(body, name, str)
    if not _BYTES32.fullmatch(value):
        raise BadField(f"{name}: 0x and 64 hex digits expected, got {value!r}")
    return value.lower()


def _market(body: dict[str, Any]) -> tuple[int, str]:
    """(chain id, market address) of the secret store's directory for this market."""
    return _whole(body, "chainId"), checksum(_field(body, "market", str))


def prepare_request(body: dict[str, Any]) -> dict[str, Any]:
    """Split the labelled CSV, publish both sets in the content store, and commit to the test labels
    for request `requestId` with a fresh salt (kept first): what createRequest needs."""
    chain_id, market = _market(body)
    fraction = body.get("testFraction", _TEST_FRACTION)
    if not isinstance(fraction, (int, float)) or isinstance(fraction, bool):
        raise BadField(f"testFraction: a number expected, got {fraction!r}")
    seed = body.get("seed")
    if seed is not None and not isinstance(seed, int):
        raise BadField(f"seed: a whole number expected, got {seed!r}")
    split = split_dataset(_file(body, "csv"), float(fraction), seed, body.get("labelColumn") or DEFAULT_LABEL_COLUMN)
    store = ContentStore()
    training, test = store.put(split.training), store.put(split.test)
    kept = SecretStore().commit_labels(chain_id, market, split, token_bytes(32), checksum(_field(body, "requester", str)),
                                       _whole(body, "requestId"), training, test)
    return {"trainingSet": training, "testSet": test, "testSize": len(split.labels), "classes": split.classes,
            "labelsCommitment": "0x" + kept.commitment.hex(), "secret": kept.secret, "secretPath": str(kept.path)}


def prepare_submission(body: dict[str, Any]) -> dict[str, Any]:
    """Read a trainer's predictions with the classes of the request's training set, publish the
    model file, and commit to both with fresh salts (kept first): what submit needs."""
    chain_id, market = _market(body)
    store = ContentStore()
    training = _bytes32(body, "trainingSet")
    if not store.has(training):
        raise SumError(f"the request's training set {training} is not in the content store {store.root}: "
                       f"get it from the requester (sumchain market put)")
    classes = classes_of(store.get(training), body.get("labelColumn") or DEFAULT_LABEL_COLUMN)
    predictions = read_predictions(_file(body, "predictions"), classes)
    test_size = _whole(body, "testSize")
    if len(predictions) != test_size:
        raise SumError(f"{len(predictions)} predictions for a test set of {test_size} rows")
    model = store.put(_file(body, "model"))
    kept = SecretStore().commit_predictions(chain_id, market, predictions, model,
                                            checksum(_field(body, "trainer", str)), _whole(body, "requestId"))
    assert kept.model_commitment is not None  # a submission's
    return {"predictionsCommitment": "0x" + kept.commitment.hex(), "modelCommitment": "0x" + kept.model_commitment.hex(),
            "model": model, "secret": kept.secret, "secretPath": str(kept.path)}


def _kept(body: dict[str, Any]) -> dict[str, Any]:
    chain_id, market = _market(body)
    kind = body.get("kind")
    if kind not in SECRET_KINDS:
        raise BadField(f"kind: one of {SECRET_KINDS} expected, got {kind!r}")
    commitment = _bytes32(body, "commitment")
    home = SecretStore()
    found = home.load(chain_id, market, kind, commitment)
    if found is None:
        raise SumError(f"no {kind} for commitment {commitment} in {home.root}: only what is kept there can be revealed")
    return found


def secret(body: dict[str, Any]) -> dict[str, Any]:
    """What a reveal needs, kept for a commitment (labels, or a submission's predictions and model)."""
    return {"secret": _kept(body)}


def claim_score(body: dict[str, Any]) -> dict[str, Any]:
    """How many of a submission's kept predictions equal the revealed labels: its claim."""
    labels = _field(body, "labels", list)
    return {"correct": score(_kept(body | {"kind": "predictions"})["predictions"], labels)}


async def _config(request: web.Request) -> web.Response:
    """The recorded deployments (per chain id) and the defaults and constants the page uses."""
    home = SecretStore()
    return web.json_response({
        "deployments": home.deployments(), "home": str(home.root), "content": str(ContentStore().root),
        "windows": asdict(Windows()), "testFraction": _TEST_FRACTION, "labelColumn": DEFAULT_LABEL_COLUMN,
        "clock": RETURN_TIMESTAMP, "devChains": list(DEV_CHAINS), "states": list(STATES),
        "finalStates": list(FINAL_STATES)})


async def _content(request: web.Request) -> web.Response:
    """A published file (a training or test set, a model) from the content store, as a download."""
    address = request.match_info["address"]
    try:
        data = ContentStore().get(address)
    except SumError as error:
        raise web.HTTPNotFound(text=str(error)) from None
    return web.Response(body=data, content_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{address.lower()}"'})

