"""The mock's request pipeline, framework-free: Incoming -> Reply, and the call recorded.

`Mock.handle` reads top to bottom: controls (read once, controls.py) -> route -> validate ->
respond -> record at one exit (`_exit`), whatever happened. `_respond` holds the rest, in order:
behaviors check -> select (Prefer, violations, success; media type) -> admit (rate limits) ->
synthesize and render (answer.py) -> encode (gzip/br) -> scenarios -> optional self-check ->
faults -> account. With --proxy (or --replay), a valid request is forwarded (or replayed)
instead (relay.py), the answer judged on its way back and recorded through the same exit.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections import OrderedDict
from dataclasses import replace

from mockserver import answer, behaviors, cassettes, encoding, faults, proxy, scenarios, scripts
from mockserver.behaviors.hooks import Behavior
from mockserver.behaviors.limits import load_limits
from mockserver.calls import CallLog, redact, redact_query
from mockserver.catalogfile import load_catalog
from mockserver.controls import Controls, configure
from mockserver.controls import read as read_controls
from mockserver.drift import Drift
from mockserver.errors import Violation, error_body
from mockserver.exceptions import SelectionError, StoreUnavailable, SynthesisError
from mockserver.exchange import Exchange, Reply, request_seed
from mockserver.outcome import Outcome
from mockserver.relay import Forward, Relay
from mockserver.rendering import dump_json, json_reply, violation_reply
from mockserver.routing import Miss, Router
from mockserver.selection import Accept, negotiate, response_for, success_response
from mockserver.selfcheck import check_reply
from mockserver.services import Services
from mockserver.settings import Settings
from mockserver.spec import Operation, Response, Spec
from mockserver.specload import load_spec
from mockserver.stores import open_state
from mockserver.synthesis import Synthesizer
from mockserver.types import JSON, Incoming
from mockserver.validation import Verdict, validate_request

logger = logging.getLogger("venice-mock")
_CACHE_SIZE = 256  # GET replies kept; each is a few KB


def _body_key(behavior: Behavior, body: JSON) -> bytes | None:
    """The body as it counts for the seed: without the fields a behavior says do not matter."""
    if not behavior.seed_ignores or not isinstance(body, dict):
        return None
    return dump_json({k: v for k, v in sorted(body.items()) if k not in behavior.seed_ignores})


class Mock:
    """One mock server's state: the compiled spec, catalog, stores, router and request log."""

    def __init__(self, settings: Settings | None = None, spec: Spec | None = None) -> None:
        self.settings = settings or Settings()
        self.spec = spec or load_spec(
            self.settings.spec, self.settings.overlays, self.settings.default_overlay
        )
        self.router = Router.build(self.spec, self.settings.base_path)
        self.synthesizer = Synthesizer(self.spec.openapi)
        self.services = Services(
            self.spec,
            self.synthesizer,
            self.settings,
            load_catalog(self.settings.fixtures),
            open_state(self.settings.state or self.settings.state_file),
        )
        self.calls = self._call_log()
        # Read now so a broken rate_limits.yaml stops the start, not the first inference call.
        load_limits(self.services)
        self.scripts = self._scripts()
        self._api_keys = frozenset(self.settings.api_keys)
        # Where keys guard the mock, a request header alone cannot weaken security (WEAKENING).
        self.run = configure(self.settings, self.settings.allow_fault_headers or not self._api_keys)
        # Replies of cacheable GET operations by (seed, status, media type, encoding): the bytes
        # are a pure function of those, so a repeated GET skips synthesis and encoding.
        self._cache: OrderedDict[tuple[object, ...], Reply] = OrderedDict()
        # Whole answers of repeated cacheable GETs by the request's path, query and headers.
        self._replays: OrderedDict[tuple[object, ...], tuple[Reply, Outcome]] = OrderedDict()
        s = self.settings
        self.upstream = (
            proxy.Upstream(s.proxy, s.upstream_api_key, s.upstream_connect_timeout, s.upstream_read_timeout)
            if s.proxy
            else None
        )
        self.relay = Relay(s, self.upstream, self.calls.body_limit)  # --proxy, --replay
        self.drift = Drift()  # what relayed answers broke, for the whole run (GET /__mock/drift)
        self._relaying = self.upstream is not None or self.relay.tape is not None

    def _call_log(self) -> CallLog:
        """The request log lives where the state does when it is shared (Redis): every process
        lists the calls of all of them."""
        size, body_limit = self.settings.log_size, self.settings.log_body_bytes
        if self.services.state.remote:
            from mockserver.calls_redis import SharedCallLog
            from mockserver.state_redis import RedisState

            if isinstance(self.services.state, RedisState):
                return SharedCallLog(self.services.state, size, body_limit)
        return CallLog(size, body_limit)

    def _scripts(self) -> scripts.Scripts:
        """Scripts live where the state does when it is shared (Redis): a script set on one
        process answers on every process, and `times=` counts calls across them."""
        if self.services.state.remote:
            from mockserver.scripts_redis import SharedScripts
            from mockserver.state_redis import RedisState

            if isinstance(self.services.state, RedisState):
                return SharedScripts(self.services.state)
        return scripts.Scripts()

    @property
    def base_path(self) -> str:
        return self.router.base_path

    def authorize(self, credential: str) -> bool:
        """Keys created through the API authenticate, deleted ones never again; otherwise the
        `--api-key` list decides, and without one any non-empty token passes."""
        status = self.services.state.key_status(credential)
        if status is not None:
            return status == "active"
        return not self._api_keys or credential in self._api_keys

    def reset(self) -> None:
        """Forget state, the request log and cached replies (POST /__mock/reset)."""
        self.services.state.reset()
        self.scripts.clear()
        self.calls.clear()
        self.drift.clear()
        self._cache.clear()
        self._replays.clear()

    async def aclose(self) -> None:
        """Release what the mock holds open (a --proxy's upstream connections), inside the event
        loop that opened them: the server's lifespan calls it, an in-process user must."""
        if self.upstream is not None:
            await self.upstream.aclose()

    def behavior(self, operation_id: str) -> Behavior:
        return behaviors.lookup(operation_id) if self.settings.behaviors else behaviors.GENERIC

    def handle(self, incoming: Incoming) -> Reply:
        """Answer one request. Every answer leaves through `_exit`, which records it; a forwarded
        one when the upstream's answer is complete (relay.py calls the same exit)."""
        finish = functools.partial(self._exit, incoming, time.perf_counter())
        try:
            with self.services.state.request():
                answered, outcome = self._answer(incoming)
        except StoreUnavailable as exc:
            # A shared store (Redis) is down: a clear 503 now, and the next request tries again.
            body = error_body(str(exc), store=self.services.state.__class__.__name__)
            return finish(
                json_reply(503, body, [("retry-after", "1")], notes=("state store unavailable",)), Outcome()
            )
        if isinstance(answered, Forward):  # --proxy: the edge awaits the upstream's answer
            return Reply(502, (), pending=functools.partial(self.relay.forward, answered, finish))
        return finish(answered, outcome)

    def _answer(self, incoming: Incoming) -> tuple[Reply | Forward, Outcome]:
        """Controls -> route -> validate -> respond, each failure mapped to an answer."""
        controls = read_controls(incoming, self.run)
        replay_key = self._replay_key(incoming, controls)
        if replay_key is not None:
            replayed = self._replays.get(replay_key)
            if replayed is not None:
                return replayed
        relative = self.router.relative(incoming.path)
        match = self.router.match(incoming.method, relative) if relative is not None else None
        if match is None or isinstance(match, Miss):
            reply, nearest = self._miss(incoming, match)
            return reply, Outcome(nearest=nearest)
        op = match.operation
        verdict = validate_request(op, incoming, match.path_params, self.authorize)
        if verdict.status == 401 and 401 in controls.waived:  # the auth-not-enforced fault
            verdict = validate_request(faults.unsecured(op), incoming, match.path_params)
        outcome = Outcome(op.operation_id, verdict.violations)
        try:
            answered = self._respond(op, incoming, verdict, controls, relative or incoming.path)
        except SelectionError as exc:
            body = error_body(str(exc), documented=list(exc.documented))
            return json_reply(400, body, notes=("mock control error",)), outcome
        except behaviors.Refused as exc:
            refusal = exc.refusal
            return json_reply(
                refusal.status, error_body(refusal.message), list(refusal.headers.items())
            ), outcome
        except SynthesisError as exc:
            message = f"the mock could not synthesize a valid response for {op.operation_id}: {exc}"
            return json_reply(500, error_body(message)), outcome
        except StoreUnavailable:
            raise
        except Exception as exc:  # a mock bug: still the spec's shape, and still in the log
            logger.exception("unexpected error answering %s %s", incoming.method, incoming.path)
            message = f"the mock failed to answer {op.operation_id}: {type(exc).__name__}"
            return json_reply(500, error_body(message), notes=("mock bug",)), outcome
        if isinstance(answered, Reply) and answered.drift is not None:  # a replayed cassette
            outcome = replace(outcome, relayed=True, answer_violations=answered.drift)
        if replay_key is not None and isinstance(answered, Reply):
            self._maybe_replay(replay_key, op, verdict, answered, outcome)
        return answered, outcome

    def _exit(self, incoming: Incoming, started: float, reply: Reply, outcome: Outcome) -> Reply:
        """The one place a call is recorded (and a relayed one counted for /__mock/drift, and
        its cassette written with --record); the reply to send (a stream is recorded as it is
        sent, or, relayed, once it ended: `outcome.sent`)."""
        if outcome.relayed and outcome.operation_id is not None:
            self.drift.add(outcome.operation_id, outcome.violations, outcome.answer_violations)
        cassette = outcome.cassette
        if cassette is not None and self.settings.record is not None:
            try:
                cassettes.write(self.settings.record, cassette)
            except OSError as exc:  # a full disk must not break the answer the client is getting
                logger.error("venice-mock: cannot write cassette %s: %s", cassette.file_name, exc)
            if self.relay.tape is not None:  # --record with --replay: recorded once, replayed after
                self.relay.tape.add(cassette)
        sent = outcome.sent
        call = self.calls.record(
            time=time.time(),
            method=incoming.method,
            path=incoming.path,
            query=redact_query(incoming.query_string),
            operation_id=outcome.operation_id,
            status=reply.status,
            violations=outcome.violations,
            headers=redact(incoming.headers),
            body=incoming.body,
            media_type=reply.media_type,
            duration_ms=(time.perf_counter() - started) * 1000,
            nearest=outcome.nearest,
            notes=reply.notes,
            reply_headers=reply.headers,
            reply_body=reply.body if sent is None else sent[0],
            reply_size=len(reply.body) if sent is None else sent[1],
            streamed=reply.stream is not None or sent is not None,
            response_violations=outcome.answer_violations,
        )
        if reply.stream is None or sent is not None:
            return reply
        return dataclasses.replace(reply, stream=self.calls.tee(call.seq, reply.stream))

    def _replay_key(self, incoming: Incoming, controls: Controls) -> tuple[object, ...] | None:
        """A GET that can only be answered one way is answered from memory: routing, validation
        and rendering are pure functions of these parts of the request."""
        if (
            incoming.method != "GET"
            or controls.sent
            or self.relay.upstream is not None
            or self.settings.faults
            or self.settings.scenarios
            or self.scripts.active()
        ):
            return None
        return (incoming.path, incoming.query_string, tuple(incoming.headers.items()))

    def _maybe_replay(
        self, key: tuple[object, ...], operation: Operation, verdict: Verdict, reply: Reply, outcome: Outcome
    ) -> None:
        behavior = self.behavior(operation.operation_id)
        credential = verdict.data.credential
        if (
            reply.status >= 400
            or reply.stream is not None
            or not behavior.cacheable
            # A key created through the API may be deleted later: its answers must be re-judged.
            or (credential is not None and self.services.state.key_status(credential) is not None)
        ):
            return
        self._replays[key] = (reply, outcome)
        if len(self._replays) > _CACHE_SIZE:
            self._replays.popitem(last=False)

    def record_rejected(
        self, method: str, path: str, query: str, headers: dict[str, str], reply: Reply, violation: Violation
    ) -> None:
        """Record a request refused before its body was read (too large), through the same exit."""
        relative = self.router.relative(path)
        match = self.router.match(method, relative) if relative is not None else None
        operation_id = None if match is None or isinstance(match, Miss) else match.operation.operation_id
        incoming = Incoming(method, path, query, headers, b"")
        self._exit(incoming, time.perf_counter(), reply, Outcome(operation_id, (violation,)))

    def _miss(self, incoming: Incoming, match: Miss | None) -> tuple[Reply, tuple[str, ...]]:
        if match is not None and match.status == 405:
            allowed = ", ".join(match.allowed)
            body = error_body(
                f"method {incoming.method} is not allowed on {incoming.path}; allowed: {allowed}"
            )
            return json_reply(405, body, [("allow", allowed)]), ()
        relative = match.path if match is not None else incoming.path
        nearest = match.nearest if match is not None else self.router.nearest(incoming.method, relative)
        where = f" under {self.base_path}" if match is None and self.base_path else ""
        message = f"no documented operation at {incoming.path}{where}; nearest: {', '.join(nearest)}"
        return json_reply(404, error_body(message, nearest=list(nearest))), nearest

    def _respond(
        self, op: Operation, incoming: Incoming, verdict: Verdict, controls: Controls, relative: str
    ) -> Reply | Forward:
        """behaviors check -> select -> admit -> synthesize and render -> encode -> self-check ->
        faults -> account (the steps ARCHITECTURE.md lists), or the relay path."""
        if self._relaying:
            relayed = self.relay.decide(op, incoming, verdict, relative)
            if relayed is not None:
                return relayed
        # Who you are comes first: credentials (401), then the key's type, before any mock control.
        if verdict.status == 401:
            return violation_reply(verdict.status, verdict.violations)
        behavior = self.behavior(op.operation_id)
        denied = behavior.permit(op, verdict.data, self.services)
        if denied is not None:
            return json_reply(denied.status, error_body(denied.message), list(denied.headers.items()))
        controls.check()  # a malformed control: a 400 naming it
        if verdict.violations and verdict.status not in controls.waived:
            return violation_reply(verdict.status, verdict.violations)
        prefer = controls.prefer
        # A forced status (Prefer: code=) answers a contract-valid request even if its content
        # would be refused (unknown model, ...): the test asked for that status.
        if prefer.code is None:
            problems = behavior.check(op, verdict.data, self.services)
            if problems:
                return violation_reply(400, problems)
        response: Response | None
        if prefer.code is not None:
            status, response = prefer.code, response_for(op, prefer.code)
        else:
            status, response = success_response(op)
        implied = behavior.implied(op, verdict.data, self.services) if status < 300 else None
        accept = Accept.parse(incoming.header("accept"))
        media_type, acceptable = negotiate(list(response.content) if response else [], accept, implied)
        if not acceptable and self.settings.strict_accept:
            return json_reply(
                406,
                error_body(
                    f"Accept {incoming.header('accept')!r} excludes {media_type}, "
                    "the media type this request implies"
                ),
            )
        seed = request_seed(
            self.settings.seed if controls.seed is None else controls.seed,
            op.operation_id,
            incoming,
            _body_key(behavior, verdict.data.body),
        )
        exchange = Exchange(op, incoming, verdict.data, status, response, media_type, seed, controls)
        scripted = self.scripts.take(op.operation_id)
        if scripted is not None:  # the client test said what this call answers
            return scripts.render(scripted, exchange, behavior, self.services)
        refusal = behavior.admit(exchange, self.services) if status < 300 else None
        if refusal is not None:
            return json_reply(refusal.status, error_body(refusal.message), list(refusal.headers.items()))
        cache_key = self._cache_key(exchange, behavior)
        reply = self._cache.get(cache_key) if cache_key else None
        value: JSON = None
        if reply is None:
            reply, value = answer.render(exchange, behavior, self.services)
            reply = encoding.encode(reply, incoming.header("accept-encoding"))
            if cache_key:
                self._remember(cache_key, reply)
        adverse = scenarios.choose(self.run.scenarios, controls.scenarios, exchange)
        if adverse:
            reply = scenarios.apply(adverse, reply, exchange)
        # --check-responses judges the mock's own answer, before any fault breaks it on purpose
        # (so a fault never hides a real defect, and never turns itself into a 500).
        if self.settings.check_responses:
            problems = check_reply(op, reply)
            if problems:
                message = f"the mock produced a response that violates the spec for {op.operation_id}"
                return json_reply(500, error_body(message, problems), notes=("self-check failed",))
        if controls.faults:
            reply = faults.apply(controls.faults, reply, exchange)
        # Calls a scenario refused (429, 5xx) are not billed: account for what was answered.
        if reply.status < 300:
            behavior.account(exchange, value, self.services)
        return reply

    def _cache_key(self, ex: Exchange, behavior: Behavior) -> tuple[object, ...] | None:
        if ex.operation.method != "GET" or not behavior.cacheable or ex.controls.sent:
            return None
        return (
            ex.operation.operation_id,
            ex.seed,
            ex.status,
            ex.media_type,
            encoding.choose(ex.incoming.header("accept-encoding")),
        )

    def _remember(self, key: tuple[object, ...], reply: Reply) -> None:
        if reply.stream is not None:
            return
        self._cache[key] = reply
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
