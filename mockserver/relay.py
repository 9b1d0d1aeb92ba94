"""The relay path: a contract-valid request answered from a cassette (--replay) or by the upstream
(--proxy) instead of synthesis, the answer judged against the spec on its way back.

`Relay.decide` says how a request goes (a reply now, a `Forward` to send upstream, or None:
synthesize as usual); `Relay.forward` sends it and hands the answer with its Outcome to the
pipeline's one exit (`finish`), at once for a whole body, when a stream has ended for a stream.
Behaviors stay out: the upstream knows its own models and keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from mockserver import bodies, cassettes, proxy
from mockserver.errors import Violation, error_body
from mockserver.exchange import BrokenOff, Reply
from mockserver.outcome import Outcome
from mockserver.rendering import json_reply, violation_reply
from mockserver.selfcheck import StreamJudge, check_reply
from mockserver.settings import Settings
from mockserver.spec import Operation
from mockserver.types import Incoming
from mockserver.validation import Verdict

Finish = Callable[[Reply, Outcome], Reply]  # the pipeline's exit: records, returns what to send


@dataclass(frozen=True, slots=True)
class Forward:
    """A request to send upstream, with what the log needs of it."""

    operation: Operation
    incoming: Incoming
    asked: tuple[Violation, ...]  # the request's own violations (sent with --forward-invalid)
    relative: str  # the path under the mock's base path
    key: str  # the cassette match key ("" when neither recording nor replaying)


class Relay:
    def __init__(self, settings: Settings, upstream: proxy.Upstream | None, log_body_limit: int) -> None:
        self.settings = settings
        self.upstream = upstream
        self.tape = cassettes.Tape(settings.replay) if settings.replay else None  # by match key
        self.log_body_limit = log_body_limit

    def decide(
        self, op: Operation, incoming: Incoming, verdict: Verdict, relative: str
    ) -> Reply | Forward | None:
        """A replayed answer, a request to forward, the mock's own refusal of an invalid
        request (unless --forward-invalid), or None (no cassette, no upstream: synthesize)."""
        s = self.settings
        if verdict.violations and not s.forward_invalid:
            return violation_reply(verdict.status, verdict.violations)
        key = (
            cassettes.key_for(op.operation_id, relative, incoming, s.replay_ignore)
            if self.tape is not None or s.record is not None
            else ""
        )
        if self.tape is not None:
            found = self.tape.get(key)
            if found is not None:
                return cassettes.reply(found, s.replay_pace == "recorded")
            if self.upstream is None and s.replay_strict:
                return self._no_cassette(op, incoming, relative)
        if self.upstream is None:
            return None
        return Forward(op, incoming, verdict.violations, relative, key)

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

    async def forward(self, fwd: Forward, finish: Finish) -> Reply:
        """Send upstream; the answer (or a 502/504) goes through `finish`."""
        assert self.upstream is not None
        op, incoming = fwd.operation, fwd.incoming
        relayed = Outcome(op.operation_id, fwd.asked, relayed=True)
        try:
            answer = await self.upstream.send(incoming, fwd.relative)
        except proxy.UpstreamError as exc:
            return finish(
                json_reply(exc.status, error_body(exc.message, upstream=self.upstream.url)), relayed
            )
        media_type = bodies.media_type_of(dict(answer.headers).get("content-type", "")) or None
        recording = self.settings.record is not None

        def cassette(
            problems: tuple[Violation, ...], chunks: tuple[tuple[float, bytes], ...] | None = None
        ) -> cassettes.Cassette | None:
            if not recording:
                return None
            return cassettes.make(
                op.operation_id, fwd.key, fwd.relative, incoming, answer.status, answer.headers, answer.body,
                chunks, fwd.asked, problems,
            )  # fmt: skip

        if answer.chunks is None:
            reply = Reply(answer.status, answer.headers, answer.body, media_type=media_type)
            problems = tuple(check_reply(op, reply, binaries=True))
            return finish(reply, replace(relayed, answer_violations=problems, cassette=cassette(problems)))
        head = Reply(answer.status, answer.headers, b"", answer.chunks, media_type)
        judge = StreamJudge(op, head)
        room_for_log = self.log_body_limit

        async def passed_on(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
            ended = "cut"
            kept: list[bytes] = []  # for the request log, up to its body limit
            room, size = room_for_log, 0
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
                ended = exc.message  # the log says why; the client's stream breaks off here too
                raise BrokenOff(exc.message) from None
            finally:
                # Recorded before anything here awaits: a client that has read the whole answer
                # may ask again at once, and must find the call (and its cassette) recorded.
                if ended == "client disconnected":
                    problems = tuple(judge.problems)  # the end was not the upstream's to judge
                else:
                    problems = tuple(judge.finish(ended == "complete"))
                taped = cassette(problems, tuple(tape)) if tape is not None and ended == "complete" else None
                notes = () if ended == "complete" else (ended,)
                outcome = replace(
                    relayed, answer_violations=problems, cassette=taped, sent=(b"".join(kept), size)
                )
                try:
                    finish(replace(head, notes=notes), outcome)
                finally:
                    aclose = getattr(chunks, "aclose", None)
                    if aclose is not None:
                        await aclose()

        return Reply(answer.status, answer.headers, b"", passed_on(answer.chunks), media_type)
