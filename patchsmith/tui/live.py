"""The live view: the same step list and detail, filling in as the agent works.

The controller runs in a worker thread and reports through `RunObserver`; every callback hops to the UI
thread with `call_from_thread`. The app is also the run's `Approver` (a modal: approve, deny with a
message, edit the command) and its `Asker` (a modal with the agent's question: answer or decline) and steers it through `RunControl` (messages between steps, a clean stop).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Footer, Static

from patchsmith.agent.events import (
    Answer,
    ApprovalRequest,
    Approver,
    Decision,
    Question,
    RunControl,
    RunObserver,
)
from patchsmith.agent.trajectory import Event, Header, Result, Step
from patchsmith.tools.safetext import inert

from .dialogs import ApprovalScreen, HelpScreen, MessageScreen, QuestionScreen
from .model import RunModel
from .run_view import RunView

T = TypeVar("T")  # whatever the start function returns: the runner's RunOutcome
Start = Callable[[RunObserver, Approver, RunControl], T]


class _UiObserver:
    """RunObserver for the controller's thread: forwards each callback to the app's thread."""

    def __init__(self, app: LiveApp[Any]) -> None:
        self.app = app

    def _forward(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.app.closing:
            return  # the window is gone; the run finishes on its own and still writes its trajectory
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:
            pass

    def on_header(self, header: Header) -> None:
        self._forward(self.app.show_header, header)

    def on_step(self, step: Step) -> None:
        self._forward(self.app.show_step, step)

    def on_delta(self, text: str) -> None:
        self._forward(self.app.show_delta, text)

    def on_event(self, event: Event) -> None:
        self._forward(self.app.show_event, event)

    def on_result(self, result: Result) -> None:
        self._forward(self.app.show_result, result)


class LiveApp(App, Generic[T]):
    CSS_PATH = "inspector.tcss"
    TITLE = "patchsmith — live"
    BINDINGS = [
        Binding("m", "message", "Message agent"),
        Binding("s", "stop", "Stop"),
        Binding("question_mark", "live_help", "Help", show=False, priority=False),
    ]

    def __init__(self, start: Start[T], control: RunControl | None = None) -> None:
        super().__init__()
        self.start = start
        self.control = control or RunControl()
        self.model = RunModel()
        self.outcome: T | None = None
        self.error: BaseException | None = None
        self.closing = False
        self.finished = threading.Event()
        self._pending: Future[Decision] | None = None
        self._question: Future[Answer] | None = None
        self.confidence = ""  # what the submit said about how sure it is, once it has
        self._quit_when_done = False
        self._thread: threading.Thread | None = None

    def compose(self) -> ComposeResult:
        yield Static("starting the agent…", id="live-state")
        yield RunView(self.model, live=True, id="run")
        yield Footer()

    def on_mount(self) -> None:
        self._thread = threading.Thread(target=self._drive, name="patchsmith-agent", daemon=True)
        self._thread.start()

    # --- the agent's thread -------------------------------------------------------------------
    def _drive(self) -> None:
        try:
            self.outcome = self.start(_UiObserver(self), self, self.control)
        except BaseException as exc:  # reported by run_live after the window closes
            self.error = exc
        finally:
            self.finished.set()
            if not self.closing:
                try:
                    self.call_from_thread(self._agent_done)
                except Exception:  # the window closed meanwhile; nothing left to update
                    pass

    def decide(self, request: ApprovalRequest) -> Decision:
        """Approver: called on the agent's thread; blocks it until the user answers in the modal."""
        if self.control.stop_requested.is_set() or self.closing:
            return Decision(approved=False, message="stopped by the user")
        future: Future[Decision] = Future()
        self._pending = future
        try:
            self.call_from_thread(self._ask, request, future)
        except RuntimeError:
            return Decision(approved=False, message="stopped by the user")
        decision = future.result()
        self._pending = None
        return decision

    def ask(self, question: Question) -> Answer:
        """Asker: called on the agent's thread; blocks it until the user answers or declines in the modal."""
        if self.control.stop_requested.is_set() or self.closing:
            return Answer(text=None)
        future: Future[Answer] = Future()
        self._question = future
        try:
            self.call_from_thread(self._put_question, question, future)
        except RuntimeError:
            return Answer(text=None)
        answer = future.result()
        self._question = None
        return answer

    def _put_question(self, question: Question, future: Future[Answer]) -> None:
        self._state("the agent asks you something")

        def answered(answer: Answer | None) -> None:
            if not future.done():
                future.set_result(answer or Answer(text=None))
            self._state("agent working…")

        self.push_screen(QuestionScreen(question), answered)

    # --- the UI thread ------------------------------------------------------------------------
    @property
    def view(self) -> RunView:
        return self.query_one(RunView)

    def _state(self, text: str) -> None:
        try:
            self.query_one("#live-state", Static).update(text)
        except NoMatches:
            pass  # the window is closing

    def _ask(self, request: ApprovalRequest, future: Future[Decision]) -> None:
        self._state(f"waiting for your approval: {request.tool}")

        def answered(decision: Decision | None) -> None:
            if not future.done():
                future.set_result(decision or Decision(approved=False, message="denied by the user"))
            self._state("agent working…")

        self.push_screen(ApprovalScreen(request), answered)

    def show_header(self, header: Header) -> None:
        self.view.add_header(header)
        self._state("agent working…")

    def show_delta(self, text: str) -> None:
        """The model's reply as it streams (--stream), on the state line until its step arrives."""
        self.typing = (getattr(self, "typing", "") + text)[-2000:]
        self._state("model writing: " + inert(" ".join(self.typing.split()))[-160:])

    def show_step(self, step: Step) -> None:
        self.typing = ""
        self._state("agent working…")
        self.view.add_step(step)
        data = step.observation.data if step.observation.ok else {}
        if step.action is not None and step.action.tool == "submit" and data.get("submitted"):
            self.confidence = confidence_line(data)
            if self.confidence:
                self.notify(inert(self.confidence), markup=False)

    def show_event(self, event: Event) -> None:
        self.model.add_event(event)
        if event.kind in ("error", "note", "condensed", "user_message", "answer"):
            shown = self.model.events[-1]  # the inert copy: event texts quote models, endpoints and files
            self.notify(f"{shown.kind}: {shown.text}"[:200], markup=False,
                        severity="error" if event.kind == "error" else "information")

    def show_result(self, result: Result) -> None:
        self.view.add_result(result)
        said = f" · {self.confidence}" if self.confidence else ""
        self._state(inert(f"finished: {result.exit_reason}{said} — q closes"))

    def _agent_done(self) -> None:
        if self.error is not None:
            self._state(f"the agent failed: {self.error.__class__.__name__}: {self.error} — q closes")
        elif self.model.result is None:
            self._state("the agent returned — q closes")
        if self._quit_when_done:
            self.exit()

    def _resolve_pending(self) -> None:
        try:
            if isinstance(self.screen, ApprovalScreen):
                self.screen.dismiss(Decision(approved=False, message="stopped by the user"))
        except Exception:  # no screens left: the app is already closing
            pass
        pending = self._pending
        if pending is not None and not pending.done():
            pending.set_result(Decision(approved=False, message="stopped by the user"))
        self._decline_question()

    def _decline_question(self) -> None:
        try:
            if isinstance(self.screen, QuestionScreen):
                self.screen.dismiss(Answer(text=None))
        except Exception:  # no screens left: the app is already closing
            pass
        question = self._question
        if question is not None and not question.done():
            question.set_result(Answer(text=None))

    def action_message(self) -> None:
        if self.finished.is_set():
            self.notify("the run has finished")
            return

        def send(text: str | None) -> None:
            if text:
                self.control.send(text)
                self.notify(f"sent to the agent: {inert(text)}", markup=False)

        self.push_screen(MessageScreen(), send)

    def action_stop(self) -> None:
        if self.finished.is_set():
            return
        self.control.stop()
        self._resolve_pending()
        self._state("stopping after the current step…")

    def action_live_help(self) -> None:
        self.push_screen(HelpScreen(live=True))

    def action_back(self) -> None:
        """q: close when the run is over; otherwise stop it cleanly first (a second q closes anyway)."""
        if self.finished.is_set() or self._quit_when_done:
            self.closing = True
            self._resolve_pending()
            self.exit()
            return
        self._quit_when_done = True
        self.action_stop()
        self._state("stopping; the window closes when the agent has stopped (q again closes now)")

    def on_unmount(self) -> None:
        # However the window closes (q, ctrl+q, an error), an agent waiting for an answer must not hang.
        self.closing = True
        self.control.stop()
        pending = self._pending
        if pending is not None and not pending.done():
            pending.set_result(Decision(approved=False, message="stopped by the user"))
        question = self._question
        if question is not None and not question.done():
            question.set_result(Answer(text=None))

    def wait_for_agent(self, timeout: float | None = None) -> bool:
        self.closing = True
        self.control.stop()
        self._resolve_pending()
        return self.finished.wait(timeout)


def confidence_line(data: dict[str, Any]) -> str:
    """One line from a submit's data: the confidence and the parts the agent is unsure of."""
    conf = data.get("confidence")
    parts = [p for p in data.get("unsure") or [] if isinstance(p, dict)]
    if conf is None and not parts:
        return ""
    line = f"confidence {float(conf):.2f}" if isinstance(conf, (int, float)) else "confidence not given"
    if parts:
        line += " · unsure: " + "; ".join(f"{p.get('file')}:{p.get('start')}-{p.get('end')} ({p.get('why')})"
                                          for p in parts[:3])
    return line


def run_live(start: Start[T]) -> T:
    """Run `start(observer, approver, control)` (e.g. a closure over `run_agent`) under the live view.

    Returns what `start` returned (the RunOutcome); re-raises what it raised. If the window is closed
    while the agent still works, the agent is told to stop and this waits for it to finish cleanly.
    """
    app: LiveApp[T] = LiveApp(start)
    app.run()
    if not app.finished.is_set():
        print("patchsmith: waiting for the agent to stop…", flush=True)
        app.wait_for_agent()
    if app.error is not None:
        raise app.error
    if app.outcome is None:
        raise RuntimeError("the live view closed before the agent started")
    return app.outcome
