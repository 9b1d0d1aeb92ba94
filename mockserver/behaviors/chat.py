"""Chat completions that mean something: the model echoed, n choices, limits and stop sequences
honoured, usage that adds up, tool calls and JSON answers valid against the client's schemas,
reasoning text for reasoning models, web search citations, and streams (see chat_stream).

Choice documented for clients: the spec's `finish_reason` enum has no `tool_calls`, so a choice
that calls tools ends with `stop`; check `message.tool_calls`, not the finish reason.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mockserver import formats, text, tokens
from mockserver.behaviors import chat_prompted, chat_stream, chat_text, chat_tools
from mockserver.behaviors.hooks import Behavior
from mockserver.behaviors.models import require_model, resolve_model
from mockserver.errors import Violation
from mockserver.exchange import Exchange
from mockserver.spec import Operation
from mockserver.types import JSON
from mockserver.validation import RequestData

if TYPE_CHECKING:
    from mockserver.services import Services

MAX_CHOICES = 64  # `n` has no maximum in the spec; a mock answer stays bounded
_MESSAGE_OVERHEAD = 4  # tokens a chat template adds per message, as OpenAI counts them
_VENICE_DEFAULTS = {
    "enable_web_search": "off",
    "enable_web_citations": False,
    "include_venice_system_prompt": True,
    "include_search_results_in_stream": False,
    "strip_thinking_response": False,
    "disable_thinking": False,
}


def _body(request: RequestData) -> Mapping[str, Any]:
    return request.body if isinstance(request.body, dict) else {}


def implied(op: Operation, request: RequestData, services: Services) -> str:
    return "text/event-stream" if _body(request).get("stream") is True else "application/json"


def check(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    body = _body(request)
    problems = require_model(services, body.get("model"), ["text"])
    slug = (body.get("venice_parameters") or {}).get("character_slug")
    if isinstance(slug, str) and services.catalog.character(slug) is None:
        known = ", ".join(sorted(c["slug"] for c in services.catalog.characters))
        problems.append(
            Violation(
                "venice_parameters.character_slug",
                "character",
                f"{slug!r} is not a public character; known: {known}",
            )
        )
    return [*problems, *chat_tools.check(body)]


def _messages(body: Mapping[str, Any]) -> list[Any]:
    messages = body.get("messages")
    return messages if isinstance(messages, list) else []


def _limit(body: Mapping[str, Any]) -> int | None:
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return max(value, 0)
    return None


def _stops(body: Mapping[str, Any]) -> list[str]:
    stop = body.get("stop")
    candidates = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    return [s for s in candidates if isinstance(s, str) and s]


def _cut(answer: str, stops: Sequence[str], budget: int | None) -> tuple[str, str]:
    """(text, finish_reason) after stop sequences and the token budget."""
    finish = "stop"
    positions = [answer.find(s) for s in stops if s in answer]
    if positions:
        answer = answer[: min(positions)]
    if budget is not None:
        pieces = tokens.split(answer)
        if len(pieces) > budget:
            answer, finish = "".join(pieces[:budget]), "length"
    return answer, finish


def _used(content: str | None, reasoning: str | None) -> int:
    """Completion tokens: the content, plus the reasoning when it is not inside the content."""
    separate = reasoning and "<think>" not in (content or "")
    return tokens.count(content or "") + (tokens.count(reasoning) if separate and reasoning else 0)


def _fit(
    budget: int, content: str | None, reasoning: str | None, calls: list[Any]
) -> tuple[str | None, str | None, list[Any], int]:
    """Cut to `max_tokens`: it bounds everything the model writes (reasoning, text, tool
    arguments, structured answers), as it does for the real API, which then says "length"."""
    if calls:
        function = calls[0]["function"]
        arguments = "".join(tokens.split(function["arguments"])[:budget])
        return None, None, [{**calls[0], "function": {**function, "arguments": arguments}}], budget
    if reasoning and not (content and "<think>" in content):
        reasoning = "".join(tokens.split(reasoning)[:budget])
        content = "".join(tokens.split(content or "")[: budget - tokens.count(reasoning)])
        return content, reasoning, calls, _used(content, reasoning)
    # The reasoning is written inside the content ("<think>...</think>"): the cut content is all
    # that was written, and the reasoning reported beside it is the part of it that survived.
    content = "".join(tokens.split(content or "")[:budget])
    if reasoning is not None:
        _, opened, thought = content.partition("<think>\n")
        reasoning = (thought.partition("\n</think>")[0] or None) if opened else None
    return content, reasoning, calls, tokens.count(content)


def _logprobs(content: str, count: int, rng: random.Random) -> dict[str, Any]:
    first = (tokens.split(content) or [" "])[0]
    chosen = -round(rng.uniform(0.01, 0.5), 4)
    alternatives = [
        {"token": w, "logprob": round(chosen - rng.uniform(0.5, 4), 4), "bytes": list(w.encode())}
        for w in rng.sample(text.WORDS, min(count, len(text.WORDS)))
    ]
    return {"token": first, "logprob": chosen, "bytes": list(first.encode()), "top_logprobs": alternatives}


def _choice(
    index: int, body: Mapping[str, Any], model: Any, services: Services, ex: Exchange
) -> tuple[dict[str, Any], int]:
    """One choice and its completion tokens."""
    rng = ex.rng(f"choice-{index}")
    messages = _messages(body)
    prompt = chat_text.last_user_text(messages)
    last_role = messages[-1].get("role", "") if messages and isinstance(messages[-1], dict) else ""
    venice = body.get("venice_parameters") or {}
    calls = chat_tools.calls(body, prompt, last_role, rng)
    reasoning: str | None = None
    if calls:
        content: str | None = None
        finish = "stop"
        used = sum(tokens.count(c["function"]["arguments"]) for c in calls)
    else:
        structured = chat_tools.structured_content(body, rng)
        if structured is None:
            structured = chat_prompted.content(body, messages, rng)
        thinks = (
            model is not None and model.supports("supportsReasoning") and not venice.get("disable_thinking")
        )
        reasoning = chat_text.thinking(rng, prompt) if thinks and structured is None else None
        if structured is not None:
            content, finish = structured, "stop"  # kept whole: a cut JSON document helps nobody
        else:
            slug = venice.get("character_slug")
            speaker = (services.catalog.character(slug) or {}).get("name") if isinstance(slug, str) else None
            raw = (
                chat_text.tool_summary(rng, chat_tools.result_of_tool(messages))
                if last_role == "tool"
                else chat_text.answer(rng, prompt, speaker)
            )
            budget = _limit(body)
            spent = tokens.count(reasoning) if reasoning else 0
            content, finish = _cut(raw, _stops(body), None if budget is None else max(budget - spent, 0))
            if reasoning and not venice.get("strip_thinking_response"):
                content = f"<think>\n{reasoning}\n</think>\n\n{content}"
        used = _used(content, reasoning)
    budget = _limit(body)
    if budget is not None and used > budget:
        content, reasoning, calls, used = _fit(budget, content, reasoning, list(calls))
        finish = "length"
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "reasoning_content": reasoning,
        "tool_calls": list(calls),
    }
    logprobs = (
        _logprobs(content or "", int(body.get("top_logprobs") or 0), rng)
        if body.get("logprobs") is True
        else None
    )
    return {
        "index": index,
        "message": message,
        "finish_reason": finish,
        "stop_reason": finish,
        "logprobs": logprobs,
    }, used


def build(ex: Exchange, services: Services) -> JSON:
    body = _body(ex.request)
    model = resolve_model(services, body.get("model"), ["text"])
    requested = body.get("n", 1)
    n = min(max(requested if isinstance(requested, int) else 1, 1), MAX_CHOICES)
    choices, completion = [], 0
    for index in range(n):
        choice, used = _choice(index, body, model, services, ex)
        choices.append(choice)
        completion += used
    messages = _messages(body)
    prompt_tokens = sum(tokens.count(chat_text.message_text(m)) + _MESSAGE_OVERHEAD for m in messages)
    venice = {**_VENICE_DEFAULTS, **(body.get("venice_parameters") or {})}
    search = venice["enable_web_search"]
    prompt = chat_text.last_user_text(messages)
    if search == "on" or (search == "auto" and prompt.rstrip().endswith("?")):
        venice["web_search_citations"] = chat_text.citations(ex.rng("citations"), prompt)
    # The id and time come straight from the seed: seeding another RNG would cost more than both.
    return {
        "id": f"chatcmpl-{ex.seed:016x}{(ex.seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF:016x}",
        "object": "chat.completion",
        "created": formats.EPOCH + ex.seed % (365 * 86_400),
        "model": body.get("model") if isinstance(body.get("model"), str) else "venice-uncensored",
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
            "prompt_tokens_details": None,
        },
        "prompt_logprobs": None,
        "venice_parameters": venice,
    }


BEHAVIORS: Mapping[str, Behavior] = {
    "createChatCompletion": Behavior(
        implied=implied,
        check=check,
        build=build,
        events=chat_stream.events,
        seed_ignores=("stream", "stream_options"),
    ),
}
