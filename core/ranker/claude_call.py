"""One Messages API call under the shared daily token budget, its answer read as one JSON
document of a given shape: what the contextual reranker and the catalogue's tag verifier
both ask of Claude.

The call's estimated cost is reserved before it is made and given back when it fails
before any tokens are used; after an answer the reservation is replaced by the usage the
API reports (see :class:`~.contextual_store.TokenBudget`). Error messages say what went
wrong, never what was sent.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .contextual_store import TokenBudget

Answer = TypeVar("Answer", bound=BaseModel)


class BudgetSpent(Exception):
    """Today's token budget cannot hold the call; nothing was sent."""

    def __init__(self, estimate: int) -> None:
        super().__init__(f"a call may need {estimate} tokens, more than today's budget has left")
        self.estimate = estimate


class ClaudeFailed(Exception):
    """Claude was asked but gave no usable answer; ``str(self)`` says why."""


def ask_claude(
    client: Any,
    budget: TokenBudget,
    answer: type[Answer],
    *,
    model: str,
    system: str,
    body: str,
    max_output_tokens: int,
    chars_per_token: int,
    timeout_seconds: float,
) -> tuple[Answer, tuple[int, int]]:
    """Send ``body`` to ``client`` (an ``anthropic.Anthropic``) and read the answer as
    ``answer``; also the input and output tokens the API reported.

    :param timeout_seconds: the client's deadline, named in the message when it passes.
    :raises BudgetSpent: the estimate does not fit into today's budget (nothing sent).
    :raises ClaudeFailed: timeout, HTTP error, unreachable, cut short, not text, not JSON
        of that shape.
    """
    # Imported on first use, as the reranker's client is: the CLI starts without it.
    import anthropic

    estimate = (len(system) + len(body)) // chars_per_token + max_output_tokens
    day = budget.reserve(estimate)
    if day is None:
        raise BudgetSpent(estimate)
    try:
        message = client.messages.create(
            model=model,
            max_tokens=max_output_tokens,
            system=system,
            messages=[{"role": "user", "content": body}],
        )
    except anthropic.APITimeoutError:
        budget.release(day, estimate)
        raise ClaudeFailed(f"Claude did not answer within {timeout_seconds:g} s") from None
    except anthropic.APIStatusError as exc:
        budget.release(day, estimate)
        raise ClaudeFailed(
            f"Claude answered HTTP {exc.status_code}: {_error_message(exc)}"
        ) from None
    except anthropic.APIConnectionError as exc:
        budget.release(day, estimate)
        raise ClaudeFailed(f"Claude could not be reached: {exc}") from None
    tokens = (int(message.usage.input_tokens), int(message.usage.output_tokens))
    budget.settle(day, estimate, *tokens)
    if message.stop_reason != "end_turn":
        raise ClaudeFailed(f"Claude stopped before finishing its answer ({message.stop_reason})")
    blocks = list(message.content)
    if not blocks or any(block.type != "text" for block in blocks):
        raise ClaudeFailed("Claude's answer was not plain text")
    text = "".join(block.text for block in blocks)
    try:
        return answer.model_validate_json(text), tokens
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        raise ClaudeFailed(
            f"Claude's answer was not the JSON asked for ({where}: {first['msg']})"
        ) from None


def _error_message(exc: Any) -> str:
    """The API's own error type and message from an error response, else the exception."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return f"{error.get('type', 'error')}: {error.get('message', '')}".strip(": ")
    return str(exc)
