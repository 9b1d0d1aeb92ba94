"""A downstream project's code: a tiny assistant built on the openai SDK, pointed at Venice.
(What the sample tests next to it test, the way a project using the plugin would.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai


class Assistant:
    def __init__(
        self, client: openai.OpenAI, model: str = "venice-uncensored", temperature: float = 0.7
    ) -> None:
        self.client = client
        self.model = model
        self.temperature = temperature

    def ask(self, question: str) -> str:
        completion = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "user", "content": question}],
            temperature=self.temperature,
            extra_body={"venice_parameters": {"include_venice_system_prompt": False}},
        )
        content: Any = completion.choices[0].message.content
        return str(content or "")

    def stream(self, question: str) -> Iterator[str]:
        chunks = self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": question}], stream=True
        )
        for chunk in chunks:
            for choice in chunk.choices:
                if choice.delta.content:
                    yield choice.delta.content

    def text_models(self) -> list[str]:
        return [m.id for m in self.client.models.list(extra_query={"type": "text"}).data]
