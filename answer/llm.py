"""The one place that talks to a language model: any OpenAI-compatible server, through llama-index's `OpenAILike`.

Ollama, vLLM, llama.cpp's server, LM Studio and hosted APIs all speak the
OpenAI chat protocol, so one client serves them all. Nothing here runs unless
the user set `llm.backend = "openai"`; the API key is read from the
environment variable the settings name, and a local server needs none.

Every failure a user can meet (server down, timeout, unknown model, a refused
key) becomes an `LLMError` with a sentence they can act on; callers fall back
to the extractive answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from errors import UserError
from settings import LLMSettings


class LLMError(UserError):
    """The configured LLM could not answer; the message says why and what to check."""


class LLMClient:
    def __init__(self, settings: LLMSettings) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self.settings = settings
        self.model = settings.model
        self.last_prompt = ""  # what was last sent (the tests check that it carries the numbered sources)
        self._checked = False
        self._llm = OpenAILike(
            model=settings.model, api_base=settings.base_url, api_key=os.environ.get(settings.api_key_env) or "unused",
            is_chat_model=True, timeout=settings.timeout, max_retries=0, max_tokens=settings.max_tokens,
            temperature=settings.temperature, context_window=settings.context_window,
        )

    def check(self) -> None:
        """Fail early and clearly when the server is unreachable, refuses the key, or lacks the model.

        Servers that do not implement `GET /models` are given the benefit of the doubt.
        """
        if self._checked:
            return
        import openai

        try:
            served = [m.id for m in self._llm._get_client().models.list().data]
        except (openai.NotFoundError, openai.UnprocessableEntityError):
            served = []
        except openai.OpenAIError as exc:
            raise self._explain(exc) from None
        if served and self.model not in served:
            listed = ", ".join(served[:10]) + (" …" if len(served) > 10 else "")
            raise LLMError(f"the LLM server at {self.settings.base_url} has no model '{self.model}' (it serves: {listed})")
        self._checked = True

    def stream(self, prompt: str) -> Iterator[str]:
        """The model's reply to one user message, piece by piece."""
        import httpx
        import openai
        from llama_index.core.llms import ChatMessage

        self.check()
        self.last_prompt = prompt
        try:
            for response in self._llm.stream_chat([ChatMessage(role="user", content=prompt)]):
                if response.delta:
                    yield response.delta
        except (openai.OpenAIError, httpx.HTTPError) as exc:  # mid-stream, httpx errors arrive unwrapped
            raise self._explain(exc) from None

    def complete(self, prompt: str) -> str:
        return "".join(self.stream(prompt))

    def _explain(self, exc: Exception) -> LLMError:
        import httpx
        import openai

        where = f"the LLM server at {self.settings.base_url}"
        if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
            return LLMError(f"{where} did not answer within {self.settings.timeout:g} s (llm.timeout)")
        if isinstance(exc, (openai.APIConnectionError, httpx.TransportError)):
            return LLMError(f"cannot reach {where}: is it running? ({exc.__cause__ or exc})")
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(f"{where} refused the API key (HTTP 401): set {self.settings.api_key_env} to a valid key")
        if isinstance(exc, openai.PermissionDeniedError):
            return LLMError(f"{where} denied access (HTTP 403) to model '{self.model}'")
        if isinstance(exc, openai.NotFoundError):
            return LLMError(f"{where} has no model '{self.model}' (HTTP 404)")
        if isinstance(exc, openai.RateLimitError):
            return LLMError(f"{where} is rate-limiting us (HTTP 429); try again shortly")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"{where} answered HTTP {exc.status_code}: {str(exc.message)[:200]}")
        return LLMError(f"{where} failed: {type(exc).__name__}: {str(exc)[:200]}")
