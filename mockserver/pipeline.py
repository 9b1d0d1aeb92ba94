"""The mock's request pipeline, framework-free: Incoming -> Reply, and the call recorded.

route -> validate -> behaviors check -> select (Prefer, violations, success; media type) ->
admit (rate limits) -> synthesize -> behaviors refine -> render (JSON, SSE, CSV, binary) ->
encode (gzip/br) -> optional self-check -> account -> record.
With --proxy (or --replay), a valid request is forwarded (or replayed) instead of synthesized,
and the answer judged against the spec on its way back (`_relay`); recorded at the same exit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import replace

from mockserver import (
    behaviors,
    bodies,
    cassettes,
    encoding,
    faults,
    media,
    proxy,
    scenarios,
    scripts,
    streaming,
)
from mockserver.behaviors.hooks import GENERIC, Behavior
from mockserver.behaviors.limits import load_limits
from mockserver.calls import CallLog, redact, redact_query
from mockserver.catalogfile import load_catalog
from mockserver.completion import complete
from mockserver.drift import Drift
from mockserver.errors import Violation, error_body
from mockserver.exceptions import SelectionError, StoreUnavailable, SynthesisError
from mockserver.exchange import Exchange, Reply, request_seed
from mockserver.rendering import JSON_TYPE, documented_headers, dump_json, json_reply, violation_reply
from mockserver.routing import Miss, Router
from mockserver.selection import Accept, Prefer, negotiate, parse_prefer, response_for, success_response
from mockserver.selfcheck import StreamJudge, check_reply
from mockserver.services import Services
from mockserver.settings import Settings
from mockserver.spec import Operation, Response, Spec
from mockserver.specload import load_spec
from mockserver.stores import open_state
from mockserver.synthesis import Synthesizer
from mockserver.types import JSON, Incoming
from mockserver.validation import Verdict, validate_request

logger = logging.getLogger("venice-mock")
_NO_PREFER = Prefer()
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
        # Where keys guard the mock, a request header alone cannot weaken security (faults.WEAKENING).
        self._header_may_weaken = self.settings.allow_fault_headers or not self._api_keys
        # Replies of cacheable GET operations by (seed, status, media type, encoding): the bytes
        # are a pure function of those, so a repeated GET skips synthesis and encoding.
        self._cache: OrderedDict[tuple[object, ...], Reply] = OrderedDict()
        # Whole answers of repeated cacheable GETs by the request's path, query and headers.
        self._replays: OrderedDict[tuple[object, ...], tuple[Reply, str]] = OrderedDict()
        s = self.settings
        self.upstream = (
            proxy.Upstream(s.proxy, s.upstream_api_key, s.upstream_connect_timeout, s.upstream_read_timeout)
            if s.proxy
            else None
        )
        self.drift = Drift()  # what relayed answers broke, for the whole run (GET /__mock/drift)
        self.tape = cassettes.Tape(s.replay) if s.replay else None  # --replay: answers by match key
        self._relaying = self.upstream is not None or self.tape is not None

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
        """Answer one request and record it."""
        started = time.perf_counter()
        try:
            with self.services.state.request():
                return self._handle(incoming, started)
        except StoreUnavailable as exc:
            # A shared store (Redis) is down: a clear 503 now, and the next request tries again.
            body = error_body(str(exc), store=self.services.state.__class__.__name__)
            reply = json_reply(503, body, [("retry-after", "1")], notes=("state store unavailable",))
            return self._record(incoming, None, reply, (), (), started)

    def _handle(self, incoming: Incoming, started: float) -> Reply:
        replay_key = self._replay_key(incoming)
        if replay_key is not None:
            replayed = self._replays.get(replay_key)
            if replayed is not None:
                reply, operation_id = replayed
                return self._record(
                    incoming, operation_id, reply, (), (), started, reply.drift or (), reply.drift is not None
                )
        operation: Operation | None = None
        verdict: Verdict | None = None
        nearest: tuple[str, ...] = ()
        relative = self.router.relative(incoming.path)
        match = self.router.match(incoming.method, relative) if relative is not None else None
        if match is None or isinstance(match, Miss):
            reply, nearest = self._miss(incoming, match)
        else:
            operation = match.operation
            verdict = validate_request(operation, incoming, match.path_params, self.authorize)
            fault_header = incoming.header("x-mock-fault")
            if verdict.status == 401 and faults.waives(
                self.settings.faults, fault_header, 401, self._header_may_weaken
            ):
                verdict = validate_request(faults.unsecured(operation), incoming, match.path_params)
            try:
                reply = self._respond(operation, incoming, verdict)
            except SelectionError as exc:
                reply = json_reply(
                    400, error_body(str(exc), documented=list(exc.documented)), notes=("mock control error",)
                )
            except behaviors.Refused as exc:
                refusal = exc.refusal
                reply = json_reply(refusal.status, error_body(refusal.message), list(refusal.headers.items()))
            except SynthesisError as exc:
                reply = json_reply(
                    500,
                    error_body(
                        f"the mock could not synthesize a valid response for {operation.operation_id}: {exc}"
                    ),
                )
            except StoreUnavailable:
                raise
            except Exception as exc:  # a mock bug: still the spec's shape, and still in the log
                logger.exception("unexpected error answering %s %s", incoming.method, incoming.path)
                reply = json_reply(
                    500,
                    error_body(f"the mock failed to answer {operation.operation_id}: {type(exc).__name__}"),
                    notes=("mock bug",),
                )
        if reply.pending is not None:
            return reply  # forwarded: recorded when the upstream's answer is complete
        if replay_key is not None and operation is not None and verdict is not None:
            self._maybe_replay(replay_key, operation, verdict, reply)
        return self._record(
            incoming,
            operation.operation_id if operation else None,
            reply,
            verdict.violations if verdict else (),
            nearest,
            started,
            reply.drift or (),
            reply.drift is not None,  # a replayed answer counts for the drift summary
        )

    def _record(
        self,
        incoming: Incoming,
        operation_id: str | None,
        reply: Reply,
        violations: tuple[Violation, ...],
        nearest: tuple[str, ...],
        started: float,
        response_violations: tuple[Violation, ...] = (),
        relayed: bool = False,
        cassette: cassettes.Cassette | None = None,
        sent: tuple[bytes, int] | None = None,
    ) -> Reply:
        """Record the call; the reply to send (a stream is recorded as it is sent). `relayed`:
        forwarded or replayed, so it counts for /__mock/drift; `cassette`: written with --record;
        `sent`: a relayed stream's first bytes and its size, recorded once it ended (judging it
        needs the end)."""
        if relayed and operation_id is not None:
            self.drift.add(operation_id, violations, response_violations)
        if cassette is not None and self.settings.record is not None:
            try:
                cassettes.write(self.settings.record, cassette)
            except OSError as exc:  # a full disk must not break the answer the client is getting
                logger.error("venice-mock: cannot write cassette %s: %s", cassette.file_name, exc)
            if self.tape is not None:  # --record with --replay: recorded once, replayed after
                self.tape.add(cassette)
        call = self.calls.record(
            time=time.time(),
            method=incoming.method,
            path=incoming.path,
            query=redact_query(incoming.query_string),
            operation_id=operation_id,
            status=reply.status,
            violations=violations,
            headers=redact(incoming.headers),
            body=incoming.body,
            media_type=reply.media_type,
            duration_ms=(time.perf_counter() - started) * 1000,
            nearest=nearest,
            notes=reply.notes,
            reply_headers=reply.headers,
            reply_body=reply.body if sent is None else sent[0],
            reply_size=len(reply.body) if sent is None else sent[1],
            streamed=reply.stream is not None or sent is not None,
            response_violations=response_violations,
        )
        if reply.stream is None or sent is not None:
            return reply
        return dataclasses.replace(reply, stream=self.calls.tee(call.seq, reply.stream))

    def _replay_key(self, incoming: Incoming) -> tuple[object, ...] | None:
        """A GET that can only be answered one way is answered from memory: routing, validation
        and rendering are pure functions of these parts of the request."""
        if (
            incoming.method != "GET"
            or self.upstream is not None
            or self.settings.faults
            or self.settings.scenarios
            or self.scripts.active()
        ):
            return None
        headers = incoming.headers
        if "prefer" in headers or any(name.startswith("x-mock-") for name in headers):
            return None
        return (incoming.path, incoming.query_string, tuple(headers.items()))

    def _maybe_replay(
        self, key: tuple[object, ...], operation: Operation, verdict: Verdict, reply: Reply
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
        self._replays[key] = (reply, operation.operation_id)
        if len(self._replays) > _CACHE_SIZE:
            self._replays.popitem(last=False)

    def record_rejected(
        self, method: str, path: str, query: str, headers: dict[str, str], reply: Reply, violation: Violation
    ) -> None:
        """Record a request refused before its body was read (too large)."""
        relative = self.router.relative(path)
        match = self.router.match(method, relative) if relative is not None else None
        self.calls.record(
            time=time.time(),
            method=method,
            path=path,
            query=redact_query(query),
            operation_id=None if match is None or isinstance(match, Miss) else match.operation.operation_id,
            status=reply.status,
            violations=(violation,),
            headers=redact(headers),
            body=b"",
            media_type=reply.media_type,
            duration_ms=0.0,
            reply_headers=reply.headers,
            reply_body=reply.body,
        )

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

    def _respond(self, op: Operation, incoming: Incoming, verdict: Verdict) -> Reply:
        if self._relaying:
            relayed = self._relay(op, incoming, verdict)
            if relayed is not None:
                return relayed
        # Who you are comes first: credentials (401), then the key's type, before any mock control.
        if verdict.status == 401:
            return violation_reply(verdict.status, verdict.violations)
        behavior = self.behavior(op.operation_id)
        denied = behavior.permit(op, verdict.data, self.services)
        if denied is not None:
            return json_reply(denied.status, error_body(denied.message), list(denied.headers.items()))
        injected = faults.requested(
            self.settings.faults, incoming.header("x-mock-fault"), self._header_may_weaken
        )
        if verdict.violations and not faults.waives(injected, "", verdict.status):
            return violation_reply(verdict.status, verdict.violations)
        if "x-mock-pace" in incoming.headers:
            streaming.pacing(self.settings, incoming)  # malformed: a 400 even for a JSON answer
        prefer = parse_prefer(incoming.header("prefer")) if "prefer" in incoming.headers else _NO_PREFER
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
        exchange = Exchange(
            op,
            incoming,
            verdict.data,
            status,
            response,
            media_type,
            request_seed(
                self.settings.seed, op.operation_id, incoming, _body_key(behavior, verdict.data.body)
            ),
            static=prefer.dynamic is False,
            example=prefer.example,
        )
        scripted = self.scripts.take(op.operation_id)
        if scripted is not None:  # the client test said what this call answers
            own = lambda chosen: self._render(chosen, behavior)[0]  # noqa: E731 (one use, here)
            return scripts.render(scripted, exchange, own, self.synthesizer)
        refusal = behavior.admit(exchange, self.services) if status < 300 else None
        if refusal is not None:
            return json_reply(refusal.status, error_body(refusal.message), list(refusal.headers.items()))
        cache_key = self._cache_key(exchange, behavior)
        reply = self._cache.get(cache_key) if cache_key else None
        value: JSON = None
        if reply is None:
            reply, value = self._render(exchange, behavior)
            reply = encoding.encode(reply, incoming.header("accept-encoding"))
            if cache_key:
                self._remember(cache_key, reply)
        adverse = scenarios.choose(self.settings.scenarios, incoming.header("x-mock-scenario"), exchange)
        if adverse:
            reply = scenarios.apply(adverse, reply, exchange)
        # --check-responses judges the mock's own answer, before any fault breaks it on purpose
        # (so a fault never hides a real defect, and never turns itself into a 500).
        if self.settings.check_responses:
            problems = check_reply(op, reply)
            if problems:
                message = f"the mock produced a response that violates the spec for {op.operation_id}"
                return json_reply(500, error_body(message, problems), notes=("self-check failed",))
        if injected:
            reply = faults.apply(injected, reply, exchange)
        # Calls a scenario refused (429, 5xx) are not billed: account for what was answered.
        if reply.status < 300:
            behavior.account(exchange, value, self.services)
        return reply

    def _relay(self, op: Operation, incoming: Incoming, verdict: Verdict) -> Reply | None:
        """A contract-valid request is replayed (--replay) or goes upstream (--proxy); None: it
        is synthesized as usual. An invalid one gets the mock's own 400 (401, 415) unless
        --forward-invalid. Behaviors stay out: the upstream knows its own models and keys."""
        if verdict.violations and not self.settings.forward_invalid:
            return violation_reply(verdict.status, verdict.violations)
        s = self.settings
        relative = self.router.relative(incoming.path) or incoming.path
        key = (
            cassettes.key_for(op.operation_id, relative, incoming, s.replay_ignore)
            if self.tape is not None or s.record is not None
            else ""
        )
        started = time.perf_counter()
        if self.tape is not None:
            found = self.tape.get(key)
            if found is not None:
                return cassettes.reply(found, s.replay_pace == "recorded")
            if self.upstream is None and s.replay_strict:
                return self._no_cassette(op, incoming, relative)
        if self.upstream is None:
            return None
        forward = functools.partial(self._forward, op, incoming, verdict.violations, started, relative, key)
        return Reply(502, (), pending=forward)

    def _no_cassette(self, op: Operation, incoming: Incoming, relative: str) -> Reply:
        assert self.tape is not None
        asked = f"{incoming.method} {relative}{'?' + incoming.query_string if incoming.query_string else ''}"
        nearest = self.tape.nearest(
            op.operation_id, f"{asked} {incoming.body[:200].decode('utf-8', 'replace')}"
        )
        where = (
            f"; nearest: {nearest.file_name} ({nearest.describe()[:120]})" if nearest else " (none recorded)"
        )
        return json_reply(
            404,
            error_body(
                f"--replay-strict: no cassette in {self.settings.replay} matches {asked}{where}",
                nearest=nearest.file_name if nearest else None,
            ),
        )

    async def _forward(
        self,
        op: Operation,
        incoming: Incoming,
        asked: tuple[Violation, ...],
        started: float,
        relative: str,
        key: str,
    ) -> Reply:
        assert self.upstream is not None
        recording = self.settings.record is not None
        try:
            answer = await self.upstream.send(incoming, relative)
        except proxy.UpstreamError as exc:
            reply = json_reply(exc.status, error_body(exc.message, upstream=self.upstream.url))
            self._record(incoming, op.operation_id, reply, asked, (), started, relayed=True)
            return reply
        media_type = bodies.media_type_of(dict(answer.headers).get("content-type", "")) or None

        def cassette(
            problems: tuple[Violation, ...], chunks: tuple[tuple[float, bytes], ...] | None = None
        ) -> cassettes.Cassette | None:
            if not recording:
                return None
            return cassettes.make(
                op.operation_id, key, relative, incoming, answer.status, answer.headers, answer.body, chunks,
                asked, problems,
            )  # fmt: skip

        if answer.chunks is None:
            reply = Reply(answer.status, answer.headers, answer.body, media_type=media_type)
            problems = tuple(check_reply(op, reply, binaries=True))
            self._record(
                incoming, op.operation_id, reply, asked, (), started, problems, True, cassette(problems)
            )
            return reply
        head = Reply(answer.status, answer.headers, b"", answer.chunks, media_type)
        judge = StreamJudge(op, head)

        async def relayed(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
            ended = "cut"
            kept: list[bytes] = []  # for the request log, up to its body limit
            room, size = self.calls.body_limit, 0
            tape: list[tuple[float, bytes]] | None = [] if recording else None
            clock = asyncio.get_running_loop().time
            head_at = clock()
            try:
                async for chunk in chunks:
                    judge.feed(chunk)
                    size += len(chunk)
                    if room > 0:
                        kept.append(chunk[:room])
                        room -= len(kept[-1])
                    if tape is not None:
                        tape.append((clock() - head_at, chunk))
                        if size > cassettes.MAX_RECORDED_BYTES:
                            tape = None  # too long to keep: relayed, not recorded
                    yield chunk
                ended = "complete"
            except (GeneratorExit, asyncio.CancelledError):  # closed, or its task cancelled (edge)
                ended = "client disconnected"  # not the upstream's fault
                raise
            except proxy.UpstreamError as exc:
                ended = exc.message  # the client's stream ends here too; the log says why
            finally:
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
                if ended == "client disconnected":
                    problems = tuple(judge.problems)  # the end was not the upstream's to judge
                else:
                    problems = tuple(judge.finish(ended == "complete"))
                notes = () if ended == "complete" else (ended,)
                taped = cassette(problems, tuple(tape)) if tape is not None and ended == "complete" else None
                self._record(
                    incoming,
                    op.operation_id,
                    replace(head, notes=notes),
                    asked,
                    (),
                    started,
                    problems,
                    True,
                    taped,
                    (b"".join(kept), size),
                )

        return Reply(answer.status, answer.headers, b"", relayed(answer.chunks), media_type)

    def _cache_key(self, ex: Exchange, behavior: Behavior) -> tuple[object, ...] | None:
        headers = ex.incoming.headers
        if (
            ex.operation.method != "GET"
            or not behavior.cacheable
            or "prefer" in headers
            or "x-mock-fault" in headers
        ):
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

    def _render(self, ex: Exchange, behavior: Behavior) -> tuple[Reply, JSON]:
        notes = (f"Prefer: code={ex.status}",) if ex.incoming.header("prefer") else ()
        media_type = ex.media_type
        if ex.response is None or media_type is None:
            headers = documented_headers(ex.response, self.synthesizer, lambda: ex.rng("headers"))
            return Reply(ex.status, tuple(headers), b"", notes=notes), None
        kind = media.kind(media_type)
        value: JSON = None
        stream: AsyncIterator[bytes] | None = None
        body = b""
        if kind in ("json", "sse", "csv", "text"):
            value = self._value(ex, behavior, media.value_source(ex.response, media_type))
        if kind == "json":
            body = dump_json(value)
        elif kind == "sse":
            events = behavior.events(ex, value, self.services)
            stream = streaming.sse(events, streaming.pacing(self.settings, ex.incoming))
        elif kind == "csv":
            body = media.csv_body(value, ex.response)
        elif kind == "text":
            body = media.as_text(value)
        else:
            produced = behavior.binary(ex, self.services)
            if isinstance(produced, bytes):
                body = produced
            else:
                stream = produced
        given = behavior.headers(ex, value, self.services)
        headers = [
            ("content-type", media.content_type(media_type)),
            *documented_headers(ex.response, self.synthesizer, lambda: ex.rng("headers"), given),
        ]
        return Reply(ex.status, tuple(headers), body, stream, media_type, notes), value

    def _value(self, ex: Exchange, behavior: Behavior, media_type: str) -> JSON:
        """The JSON value behind a JSON, SSE or CSV answer (from the JSON media type's schema)."""
        assert ex.response is not None
        spec_media = ex.response.content[media_type]
        meaningful = ex.status < 300 and media_type == JSON_TYPE  # behaviors shape successes only
        if ex.example is not None:
            if ex.example not in spec_media.examples:
                names = ", ".join(repr(n) for n in spec_media.examples if n) or "none"
                raise SelectionError(
                    f"no valid example named {ex.example!r} for {ex.operation.operation_id} "
                    f"{ex.status} {media_type}; named examples: {names}"
                )
            value = spec_media.examples[ex.example]
        elif ex.static and spec_media.examples:
            value = next(iter(spec_media.examples.values()))
        elif meaningful:
            value = behavior.build(ex, self.services)  # the behavior (or the schema) makes it
        elif spec_media.schema is None:
            value = None
        else:
            value = self.synthesizer.valid_value(spec_media.schema, ex.rng("body"), examples=True)
        if meaningful:
            value = behavior.refine(ex, value, self.services)
        if meaningful and behavior is not GENERIC and spec_media.schema is not None:
            # Behaviors know the bundled spec; a later one may ask for more (issue 13).
            value = complete(self.synthesizer, spec_media.schema, value, ex.rng("completion"))
        return value
