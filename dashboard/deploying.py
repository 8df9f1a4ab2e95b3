"""The JSON the deploy page (static/deploy-page.js) takes from the Python bindings, so a model file,
the incentive settings and the deployment's chunking mean in the page what they mean to
``sumchain model deploy``: parse_model's check of a model file, IncentiveSettings' defaults and
check, and deploy.py's chunk sizes, gas cap and calls. Pure computation: the page's wallet sends
every transaction."""
from __future__ import annotations

import dataclasses
import importlib
import json
from typing import Any

from aiohttp import web

from contracts.bindings.contract import MAX_INITCODE_SIZE, OUT_OF_GAS, TIMED_OUT, TX_GAS_CAP
from contracts.bindings.errors import ContractError, ModelFileError
from contracts.bindings.model import parse_model

# The module (contracts.bindings exports its deploy() under the same name).
deploy = importlib.import_module("contracts.bindings.deploy")

# The settings each mechanism's constructor takes (deploy.incentive_constructor), with their labels.
LABELS = {
    "refund_wait_s": "refund wait (s)",
    "owner_claim_wait_s": "owner claim wait (s)",
    "any_address_claim_wait_s": "any address claim wait (s)",
    "cost_weight": "cost weight (wei)",
    "min_stake": "minimum stake (wei)",
    "allow_greater_deposit": "stake a greater deposit whole",
    "reveal_timeout_s": "reveal timeout (s)",
}
WAITS = ("refund_wait_s", "owner_claim_wait_s", "any_address_claim_wait_s")
FIELDS = {
    deploy.POINTS: WAITS,
    deploy.STAKEABLE: (*WAITS, "cost_weight"),
    deploy.PREDICTION_MARKET: ("min_stake", "allow_greater_deposit", "reveal_timeout_s"),
}
CHUNKS = ("DENSE_WEIGHTS_CHUNK", "SPARSE_WEIGHTS_CHUNK", "SPARSE_PAIRS_CHUNK", "NB_INITIAL_CHUNK", "NB_CHUNK",
          "NCC_INITIAL_CHUNK", "NCC_CHUNK", "FEATURE_INDICES_CHUNK")
FUNCTIONS = ("INITIALIZE_DENSE_WEIGHTS", "INITIALIZE_SPARSE_RANGE", "INITIALIZE_SPARSE_WEIGHTS", "INITIALIZE_COUNTS",
             "NB_ADD_CLASS", "EXTEND_CENTROID", "NCC_ADD_CLASS", "EXTEND_SPARSE_CENTROID", "SPARSE_NCC_ADD_CLASS",
             "ADD_FEATURE_INDICES", "TRANSFER_OWNERSHIP")


def install(app: web.Application) -> None:
    app.router.add_get("/api/deploy", _plan)
    app.router.add_post("/api/model/check", _check_model)
    app.router.add_post("/api/incentive/check", _check_incentive)


def plan() -> dict[str, Any]:
    """deploy.py's facts: the chunk sizes, the limits a transaction must fit, the calls by
    signature, and the incentive settings with their defaults."""
    defaults = dataclasses.asdict(deploy.IncentiveSettings())
    return {
        "chunks": {name: getattr(deploy, name) for name in CHUNKS},
        "txGasCap": TX_GAS_CAP,
        "maxInitcodeSize": MAX_INITCODE_SIZE,
        "outOfGas": list(OUT_OF_GAS),
        "timedOut": list(TIMED_OUT),
        "functions": {name: getattr(deploy, name).signature for name in FUNCTIONS},
        "incentive": {
            "default": defaults["kind"],
            "fields": {kind: [{"name": name, "label": LABELS[name], "default": defaults[name]} for name in names]
                       for kind, names in FIELDS.items()},
        },
    }


async def _plan(request: web.Request) -> web.Response:
    return web.json_response(plan())


async def _check_model(request: web.Request) -> web.Response:
    """The body is a model file's text: {"model": its normalised form, in contract units} or
    {"error": what parse_model says}."""
    try:
        document = json.loads(await request.text())
    except ValueError as error:
        return web.json_response({"error": f"not JSON: {error}"})
    try:
        model = parse_model(document)
    except ModelFileError as error:
        return web.json_response({"error": str(error)})
    return web.json_response({"model": {**_strings(dataclasses.asdict(model)), "contract": model.contract}})


async def _check_incentive(request: web.Request) -> web.Response:
    """The body is {kind, field: value...}: {"contract", "args"} of the mechanism's constructor, or
    {"error": what IncentiveSettings says}."""
    try:
        body = await request.json()
        kind = body["kind"]
        if kind not in FIELDS:
            raise ContractError(f"unknown incentive mechanism {kind!r} ({', '.join(FIELDS)})")
        settings = deploy.IncentiveSettings(kind, **{name: _setting(name, body.get(name)) for name in FIELDS[kind]})
        settings.check()
    except (ValueError, KeyError, TypeError) as error:
        return web.json_response({"error": f"the incentive settings are not {{kind, field: value}}: {error}"})
    except ContractError as error:
        return web.json_response({"error": str(error)})
    contract, _, args = deploy.incentive_constructor(settings)
    return web.json_response({"contract": contract, "args": _strings(list(args))})


def _setting(name: str, value: Any) -> int | bool:
    if name == "allow_greater_deposit":
        if not isinstance(value, bool):
            raise ContractError(f"the {LABELS[name]} must be true or false, got {value!r}")
        return value
    text = str(value).strip()
    if not text.isdigit():
        raise ContractError(f"the {LABELS[name]} must be a whole number, got {text!r}")
    return int(text)


def _strings(value: Any) -> Any:
    """Integers as decimal strings (JSON numbers lose precision past 2^53 in the browser)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return {key: _strings(item) for key, item in value.items()}
    return [_strings(item) for item in value]
