"""How a front end (console or Textual) watches and steers a run; the controller imports no UI."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .trajectory import Event, Header, Result, Step


class RunObserver(Protocol):
    """Called from the controller's thread as the run happens (a UI must hop to its own thread)."""

    def on_header(self, header: Header) -> None: ...
    def on_step(self, step: Step) -> None: ...
    def on_event(self, event: Event) -> None: ...
    def on_result(self, result: Result) -> None: ...


@dataclass
class ApprovalRequest:
    tool: str
    args: dict[str, Any]
    preview: str  # what will happen: the command, or the edit as a diff
    reason: str  # why approval is needed under the current mode


@dataclass
class Decision:
    approved: bool
    message: str = ""  # shown to the agent on deny ("use pytest -x instead")
    args: dict[str, Any] | None = None  # edited arguments, when the user changed the command


class Approver(Protocol):
    def decide(self, request: ApprovalRequest) -> Decision: ...


@dataclass
class Question:
    """One concrete question the model asks (`ask_user`), with the answers it offers when it has some."""

    text: str
    choices: list[str] = field(default_factory=list)


@dataclass
class Answer:
    """What came back: `text` None when the user declined, or the hints held nothing relevant."""

    text: str | None
    # "user" (a person at the console or live view), "hints" (run --clarify hints), "earlier" (the answer an
    # earlier attempt of the task got, reused), "limit" (the task's questions are used up: no one was asked)
    source: str = "user"
    from_attempt: int | None = None  # "earlier": the attempt that asked
    origin: str = ""  # "earlier": where that answer came from (user, hints)


@runtime_checkable
class Asker(Protocol):
    """Answers the model's questions; the console, the live view and the hints answerer implement it."""

    def ask(self, question: Question) -> Answer: ...


@dataclass
class RunControl:
    """Thread-safe steering from outside the loop: stop cleanly, or say something between steps."""

    stop_requested: threading.Event = field(default_factory=threading.Event)
    messages: queue.Queue[str] = field(default_factory=queue.Queue)

    def stop(self) -> None:
        self.stop_requested.set()

    def send(self, text: str) -> None:
        self.messages.put(text)

    def drain(self) -> list[str]:
        out: list[str] = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out


class NullObserver:
    def on_header(self, header: Header) -> None: ...
    def on_step(self, step: Step) -> None: ...
    def on_event(self, event: Event) -> None: ...
    def on_result(self, result: Result) -> None: ...
